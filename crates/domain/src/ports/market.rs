//! Market-data ports (reference §19.2, §20): where candles and a perpetual's funding events come from (an
//! exchange) and where they are kept (the columnar store on S3). Times are milliseconds since the epoch, UTC;
//! ranges are `[start, end)`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::entities::{Candle, FundingRate, Symbol, Timeframe};
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
    /// The funding events of a perpetual with a time in `[start, end)`, oldest first, each at its funding
    /// instant (the source normalises the exchange's settlement timestamp to it). A symbol that is not a
    /// futures pair ([`Symbol::is_futures`]) pays no funding: empty, not an error.
    async fn funding_rates(
        &self,
        symbol: &Symbol,
        start: i64,
        end: i64,
    ) -> Result<Vec<FundingRate>>;
}

/// A `[start, end)` range of times in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    /// Whether it holds no time.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The union of `spans` as disjoint spans, oldest first; touching spans are joined, empty ones dropped.
    pub fn union(spans: impl IntoIterator<Item = Span>) -> Vec<Span> {
        let mut sorted: Vec<Span> = spans.into_iter().filter(|s| !s.is_empty()).collect();
        sorted.sort();
        let mut merged: Vec<Span> = Vec::with_capacity(sorted.len());
        for span in sorted {
            match merged.last_mut() {
                Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
                _ => merged.push(span),
            }
        }
        merged
    }

    /// The parts of this span that none of `covered` holds, oldest first.
    pub fn without(&self, covered: &[Span]) -> Vec<Span> {
        let mut gaps = Vec::new();
        let mut at = self.start;
        for span in Span::union(covered.iter().copied()) {
            if span.end <= at {
                continue;
            }
            if span.start >= self.end {
                break;
            }
            if span.start > at {
                gaps.push(Span {
                    start: at,
                    end: span.start,
                });
            }
            at = span.end;
        }
        if at < self.end {
            gaps.push(Span {
                start: at,
                end: self.end,
            });
        }
        gaps
    }
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

    /// Stored funding events of `symbol` with a time in `[start, end)`, oldest first.
    async fn read_funding(&self, symbol: &Symbol, start: i64, end: i64)
        -> Result<Vec<FundingRate>>;
    /// Merge `events` into the symbol's funding history (an event replaces a stored one with the same time);
    /// every event is checked with [`FundingRate::problem`] first and nothing is written if one is invalid.
    /// Returns how many were written.
    async fn write_funding(&self, symbol: &Symbol, events: &[FundingRate]) -> Result<usize>;
    /// Merge `events`, every funding event of `symbol` in `span` (what the exchange answered for it), and
    /// record that the store holds `span` in full, in one write per month, so no later sync asks for it again.
    /// Funding is sparse (one event every few hours, none before a listing), so stored events alone cannot
    /// say a span is complete. Checked as [`Self::write_funding`], and an event outside `span` is refused too.
    /// Returns how many events were written.
    async fn write_funding_span(
        &self,
        symbol: &Symbol,
        span: Span,
        events: &[FundingRate],
    ) -> Result<usize>;
    /// The parts of `[start, end)` whose funding events the store holds in full
    /// ([`Self::write_funding_span`]), disjoint, oldest first.
    async fn funding_coverage(&self, symbol: &Symbol, start: i64, end: i64) -> Result<Vec<Span>>;
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
    async fn funding_rates(&self, _: &Symbol, _: i64, _: i64) -> Result<Vec<FundingRate>> {
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
    async fn read_funding(&self, _: &Symbol, _: i64, _: i64) -> Result<Vec<FundingRate>> {
        self.missing()
    }
    async fn write_funding(&self, _: &Symbol, _: &[FundingRate]) -> Result<usize> {
        self.missing()
    }
    async fn write_funding_span(&self, _: &Symbol, _: Span, _: &[FundingRate]) -> Result<usize> {
        self.missing()
    }
    async fn funding_coverage(&self, _: &Symbol, _: i64, _: i64) -> Result<Vec<Span>> {
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
        let funding = NoMarketData
            .funding_rates(&symbol, 0, 1)
            .await
            .expect_err("no funding either");
        assert!(
            funding.to_string().contains("market-data adapters"),
            "{funding}"
        );
        let stored = NoMarketData
            .read_funding(&symbol, 0, 1)
            .await
            .expect_err("no store");
        assert!(
            stored.to_string().contains("market-data adapters"),
            "{stored}"
        );
        assert!(NoMarketData.write_funding(&symbol, &[]).await.is_err());
        assert!(NoMarketData
            .write_funding_span(&symbol, Span { start: 0, end: 1 }, &[])
            .await
            .is_err());
        assert!(NoMarketData.funding_coverage(&symbol, 0, 1).await.is_err());
    }

    #[test]
    fn spans_join_and_subtract() {
        let span = |start, end| Span { start, end };
        assert_eq!(
            Span::union([
                span(20, 30),
                span(0, 10),
                span(10, 15),
                span(25, 40),
                span(5, 5)
            ]),
            [span(0, 15), span(20, 40)],
            "touching and overlapping spans join; empty ones go"
        );
        let covered = [span(10, 20), span(30, 40)];
        assert_eq!(
            span(0, 50).without(&covered),
            [span(0, 10), span(20, 30), span(40, 50)]
        );
        assert!(
            span(12, 18).without(&covered).is_empty(),
            "inside a covered span"
        );
        assert_eq!(span(15, 35).without(&covered), [span(20, 30)]);
        assert_eq!(span(0, 50).without(&[]), [span(0, 50)]);
        assert!(
            span(5, 5).without(&[]).is_empty(),
            "an empty span lacks nothing"
        );
    }
}
