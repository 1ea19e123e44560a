//! [`LazyBinance`]: Binance futures connected on first use. Its URL is checked when it is made, so a bad
//! `BINANCE_FUTURES_URL` still stops a binary at start; its HTTP client (a TLS root store to load) is built only
//! when a binary first fetches, so the many that never do (every Lambda function) do not pay for it at start.

use std::sync::OnceLock;

use async_trait::async_trait;
use tradai_domain::entities::{Candle, FundingRate, Symbol, Timeframe};
use tradai_domain::ports::CandleSource;
use tradai_domain::Result;

use crate::binance::{check_url, EXCHANGE};
use crate::{BinanceFutures, Settings};

/// Binance futures at a checked URL, connected on first use.
#[derive(Debug)]
pub struct LazyBinance {
    url: String,
    settings: Settings,
    source: OnceLock<Result<BinanceFutures>>,
}

impl LazyBinance {
    /// Check `url` now; connect on first use.
    pub fn new(url: &str, settings: Settings) -> Result<LazyBinance> {
        check_url(url)?;
        Ok(LazyBinance {
            url: url.to_owned(),
            settings,
            source: OnceLock::new(),
        })
    }

    fn source(&self) -> Result<&BinanceFutures> {
        self.source
            .get_or_init(|| BinanceFutures::new(&self.url, self.settings.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

#[async_trait]
impl CandleSource for LazyBinance {
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
        self.source()?.candles(symbol, timeframe, start, end).await
    }

    async fn symbols(&self) -> Result<Vec<Symbol>> {
        self.source()?.symbols().await
    }

    async fn funding_rates(
        &self,
        symbol: &Symbol,
        start: i64,
        end: i64,
    ) -> Result<Vec<FundingRate>> {
        self.source()?.funding_rates(symbol, start, end).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_refused_when_made() {
        let error = LazyBinance::new("ftp://x", Settings::default()).expect_err("not http");
        assert!(error.to_string().contains("BINANCE_FUTURES_URL"), "{error}");
        let lazy = LazyBinance::new("http://127.0.0.1:9", Settings::default()).expect("http");
        assert!(lazy.source.get().is_none(), "not connected until used");
        assert_eq!(lazy.exchange(), EXCHANGE);
    }
}
