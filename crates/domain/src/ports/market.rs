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

/// The market data of a binary built without it (the Lambda functions, which never read candles, link no
/// Parquet): every call is a configuration error saying so, never an empty answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMarketData;

impl NoMarketData {
    fn missing<T>(&self) -> Result<T> {
        Err(crate::DomainError::Configuration(
            "this binary is built without the market-data adapters (tradai-platform's `aws` feature)"
                .into(),
        ))
    }
}

#[async_trait]
impl CandleSource for NoMarketData {
    fn exchange(&self) -> &str {
        "none"
    }
    async fn candles(&self, _: &Symbol, _: Timeframe, _: i64, _: i64) -> Result<Vec<Candle>> {
        self.missing()
    }
    async fn symbols(&self) -> Result<Vec<Symbol>> {
        self.missing()
    }
}

#[async_trait]
impl MarketStore for NoMarketData {
    async fn read(&self, _: &Symbol, _: Timeframe, _: i64, _: i64) -> Result<Vec<Candle>> {
        self.missing()
    }
    async fn write(&self, _: &Symbol, _: Timeframe, _: &[Candle]) -> Result<usize> {
        self.missing()
    }
    async fn series(&self) -> Result<Vec<Series>> {
        self.missing()
    }
    async fn coverage(&self, _: &Symbol, _: Timeframe) -> Result<Option<Series>> {
        self.missing()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_market_data_says_the_binary_lacks_it() {
        let symbol = Symbol::try_from("BTC/USDT:USDT".to_owned()).expect("symbol");
        let err = NoMarketData.series().await.expect_err("none");
        assert!(
            err.to_string()
                .contains("built without the market-data adapters"),
            "{err}"
        );
        assert!(NoMarketData
            .candles(&symbol, Timeframe::H1, 0, 1)
            .await
            .is_err());
    }
}
