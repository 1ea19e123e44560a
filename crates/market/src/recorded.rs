//! Recorded Binance USD-M futures pages (`recordings/binance-futures/`: kline pages, funding-rate pages and
//! `exchangeInfo`) and the [`CandleSource`] that serves them: the local platform's exchange, so it runs with
//! no network. The replay server (feature `replay`) serves the same pages over HTTP to the real adapter.
//! The pages are composed in Binance's exact response formats, not captured (no machine here reaches the API;
//! `recordings/binance-futures/README.md` says how they are made).

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value;
use tradai_domain::entities::{Candle, FundingRate, Symbol, Timeframe};
use tradai_domain::ports::CandleSource;
use tradai_domain::{DomainError, Result};

use crate::binance::{self, EXCHANGE};

/// The bundled pages: `(pair, interval, page)`.
const PAGES: [(&str, &str, &str); 4] = [
    (
        "BTCUSDT",
        "1h",
        include_str!("../recordings/binance-futures/klines/BTCUSDT-1h-1.json"),
    ),
    (
        "BTCUSDT",
        "1h",
        include_str!("../recordings/binance-futures/klines/BTCUSDT-1h-2.json"),
    ),
    (
        "ETHUSDT",
        "1h",
        include_str!("../recordings/binance-futures/klines/ETHUSDT-1h-1.json"),
    ),
    (
        "ETHUSDT",
        "1h",
        include_str!("../recordings/binance-futures/klines/ETHUSDT-1h-2.json"),
    ),
];
/// The bundled funding-rate pages: `(pair, page)`, each as `GET /fapi/v1/fundingRate` answers, oldest first.
const FUNDING_PAGES: [(&str, &str); 2] = [
    (
        "BTCUSDT",
        include_str!("../recordings/binance-futures/fundingRate/BTCUSDT-1.json"),
    ),
    (
        "ETHUSDT",
        include_str!("../recordings/binance-futures/fundingRate/ETHUSDT-1.json"),
    ),
];
const EXCHANGE_INFO: &str = include_str!("../recordings/binance-futures/exchangeInfo.json");

/// Recorded klines per `(pair, interval)` and funding rows per pair as the API returns them, oldest first,
/// and the exchange info.
#[derive(Debug, Clone)]
pub struct Recording {
    klines: BTreeMap<(String, String), Vec<Value>>,
    funding: BTreeMap<String, Vec<Value>>,
    exchange_info: Value,
}

impl Recording {
    /// The pages bundled with this crate.
    pub fn bundled() -> Result<Recording> {
        let mut klines: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
        for (pair, interval, page) in PAGES {
            let rows: Vec<Value> = serde_json::from_str(page).map_err(|e| {
                DomainError::Configuration(format!("recorded page {pair} {interval}: {e}"))
            })?;
            klines
                .entry((pair.into(), interval.into()))
                .or_default()
                .extend(rows);
        }
        let mut funding: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (pair, page) in FUNDING_PAGES {
            let rows: Vec<Value> = serde_json::from_str(page).map_err(|e| {
                DomainError::Configuration(format!("recorded fundingRate page {pair}: {e}"))
            })?;
            funding.entry(pair.into()).or_default().extend(rows);
        }
        let exchange_info = serde_json::from_str(EXCHANGE_INFO)
            .map_err(|e| DomainError::Configuration(format!("recorded exchangeInfo: {e}")))?;
        Ok(Recording {
            klines,
            funding,
            exchange_info,
        })
    }

    /// The recorded `exchangeInfo` answer.
    pub fn exchange_info(&self) -> &Value {
        &self.exchange_info
    }

    /// A klines page as `GET /fapi/v1/klines` answers it: rows with open time in `[start, end]`, at most
    /// `limit`; `None` for a pair or interval never recorded.
    pub fn page(
        &self,
        pair: &str,
        interval: &str,
        start: i64,
        end: i64,
        limit: usize,
    ) -> Option<Vec<Value>> {
        let rows = self.klines.get(&(pair.to_owned(), interval.to_owned()))?;
        Some(
            rows.iter()
                .filter(|row| row[0].as_i64().is_some_and(|t| t >= start && t <= end))
                .take(limit)
                .cloned()
                .collect(),
        )
    }

    /// A funding page as `GET /fapi/v1/fundingRate` answers it: rows with `fundingTime` in `[start, end]`, at
    /// most `limit`; `None` for a pair never recorded.
    pub fn funding_page(
        &self,
        pair: &str,
        start: i64,
        end: i64,
        limit: usize,
    ) -> Option<Vec<Value>> {
        let rows = self.funding.get(pair)?;
        Some(
            rows.iter()
                .filter(|row| {
                    row["fundingTime"]
                        .as_i64()
                        .is_some_and(|t| t >= start && t <= end)
                })
                .take(limit)
                .cloned()
                .collect(),
        )
    }

    /// The recorded series, as `PAIR interval`.
    pub fn recorded(&self) -> Vec<String> {
        self.klines
            .keys()
            .map(|(p, i)| format!("{p} {i}"))
            .collect()
    }
}

/// A [`CandleSource`] over a [`Recording`].
#[derive(Debug, Clone)]
pub struct RecordedSource {
    recording: Recording,
}

impl RecordedSource {
    /// The source over `recording`.
    pub fn new(recording: Recording) -> Self {
        RecordedSource { recording }
    }
}

#[async_trait]
impl CandleSource for RecordedSource {
    fn exchange(&self) -> &str {
        EXCHANGE
    }

    async fn candles(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        start: i64,
        end: i64,
    ) -> Result<Vec<Candle>> {
        let pair = binance::pair(symbol)?;
        let rows = self
            .recording
            .page(&pair, timeframe.as_str(), start, end - 1, usize::MAX)
            .ok_or_else(|| {
                DomainError::validation(
                    "symbol",
                    format!(
                        "no recorded klines for {pair} {timeframe}; recorded: {}",
                        self.recording.recorded().join(", ")
                    ),
                )
            })?;
        rows.iter().map(binance::candle).collect()
    }

    async fn symbols(&self) -> Result<Vec<Symbol>> {
        binance::perpetuals(&self.recording.exchange_info)
    }

    async fn funding_rates(
        &self,
        symbol: &Symbol,
        start: i64,
        end: i64,
    ) -> Result<Vec<FundingRate>> {
        if !symbol.is_futures() {
            return Ok(Vec::new());
        }
        let pair = binance::pair(symbol)?;
        let rows = self
            .recording
            .funding_page(&pair, start, binance::funding_query_end(end), usize::MAX)
            .ok_or_else(|| {
                let recorded: Vec<&str> =
                    self.recording.funding.keys().map(String::as_str).collect();
                DomainError::validation(
                    "symbol",
                    format!(
                        "no recorded funding rates for {pair}; recorded: {}",
                        recorded.join(", ")
                    ),
                )
            })?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let event = binance::funding_rate(row)?;
            if (start..end).contains(&event.time) {
                events.push(event);
            }
        }
        Ok(events)
    }
}

/// The recorded candles with a funding endpoint that is down (every funding call fails as Binance's 503 after
/// its retries do): how the sync tests of the market crate and of data collection see a funding outage.
#[derive(Debug, Clone)]
pub struct FundingDown(pub RecordedSource);

#[async_trait]
impl CandleSource for FundingDown {
    fn exchange(&self) -> &str {
        self.0.exchange()
    }

    async fn candles(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        start: i64,
        end: i64,
    ) -> Result<Vec<Candle>> {
        self.0.candles(symbol, timeframe, start, end).await
    }

    async fn symbols(&self) -> Result<Vec<Symbol>> {
        self.0.symbols().await
    }

    async fn funding_rates(&self, _: &Symbol, _: i64, _: i64) -> Result<Vec<FundingRate>> {
        Err(DomainError::external(
            "binance_futures",
            tradai_domain::ExternalKind::Unavailable,
            "/fapi/v1/fundingRate: 503 Service Unavailable after 5 attempts",
        ))
    }
}
