//! Market-data ports (reference §19.2, §20): where candles come from (an exchange) and where they are kept
//! (the columnar store on S3). Times are milliseconds since the epoch, UTC; ranges are `[start, end)`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::entities::{Candle, Symbol, Timeframe};
use crate::Result;

/// A source of candles: an exchange's public market data, or a recording of it.
#[async_trait]
pub trait CandleSource: Send + Sync {
    /// The exchange key (`binance_futures`).
    fn exchange(&self) -> &str;
    /// Closed candles with an open time in `[start, end)`, oldest first.
    async fn candles(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        start: i64,
        end: i64,
    ) -> Result<Vec<Candle>>;
    /// The pairs the exchange trades.
    async fn symbols(&self) -> Result<Vec<Symbol>>;
}

/// What the store holds for one symbol and timeframe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    /// Open time of the oldest and newest stored candle.
    pub first: i64,
    pub last: i64,
}

/// The market-data store: candles per symbol and timeframe.
#[async_trait]
pub trait MarketStore: Send + Sync {
    /// Stored candles with an open time in `[start, end)`, oldest first.
    async fn read(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        start: i64,
        end: i64,
    ) -> Result<Vec<Candle>>;
    /// Merge `candles` into the series (a candle replaces a stored one with the same open time); every candle
    /// is checked first and nothing is written if one is invalid. Returns how many were written.
    async fn write(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        candles: &[Candle],
    ) -> Result<usize>;
    /// The stored series, by symbol then timeframe.
    async fn series(&self) -> Result<Vec<Series>>;
    /// The span of one series, if anything is stored.
    async fn coverage(&self, symbol: &Symbol, timeframe: Timeframe) -> Result<Option<Series>>;
}
