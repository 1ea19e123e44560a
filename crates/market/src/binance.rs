//! The Binance USD-M futures public REST source (`GET /fapi/v1/klines`, `GET /fapi/v1/fundingRate`,
//! `GET /fapi/v1/exchangeInfo`): paginated (1,500 klines or 1,000 funding events a page), rate-limit aware
//! (pauses when the `X-MBX-USED-WEIGHT-1M` header nears the budget, honours `Retry-After` on 429/418),
//! retrying 5xx and connection failures with exponential backoff.
//!
//! Funding times: Binance stamps an event when it settled, a few milliseconds after the funding instant
//! (`"fundingTime": 1698796800004` for 00:00:00 UTC). [`funding_rate`] takes each event back to its instant by
//! rounding down to the whole minute, so it falls on the boundary of a candle of every timeframe (a backtest
//! applies it to the positions open at that instant) and two syncs of one event store one time. Down, not to
//! the nearest: settlement is never before the instant. The minute rather than the second: a settlement lag of
//! up to a minute still lands on the instant, and Binance's funding instants are whole hours.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tradai_domain::entities::{Candle, FundingRate, Symbol, Timeframe};
use tradai_domain::ports::CandleSource;
use tradai_domain::{DomainError, ExternalKind, Result};

/// The exchange key (reference §19.2).
pub const EXCHANGE: &str = "binance_futures";
/// The production endpoint.
pub const PRODUCTION_URL: &str = "https://fapi.binance.com";

/// The Binance pair of a USD-M futures symbol (`BTC/USDT:USDT` → `BTCUSDT`).
pub fn pair(symbol: &Symbol) -> Result<String> {
    let text = symbol.as_str();
    let (pair, settle) = text.split_once(':').unwrap_or((text, ""));
    let (base, quote) = pair.split_once('/').unwrap_or((pair, ""));
    if settle != quote || !matches!(quote, "USDT" | "USDC") {
        return Err(DomainError::validation(
            "symbol",
            format!("'{text}' is not a USD-M futures pair; Binance USD-M trades BASE/USDT:USDT or BASE/USDC:USDC"),
        ));
    }
    Ok(format!("{base}{quote}"))
}

fn unexpected(what: &str, row: &Value) -> DomainError {
    DomainError::external(
        EXCHANGE,
        ExternalKind::Rejected,
        format!("unexpected {what}: {row:.200}"),
    )
}

/// One kline row `[openTime, "open", "high", "low", "close", "volume", closeTime, …]` as a candle.
pub fn candle(row: &Value) -> Result<Candle> {
    let number = |i: usize| -> Result<f64> {
        row.get(i)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| unexpected("kline", row))
    };
    Ok(Candle {
        open_time: row
            .get(0)
            .and_then(Value::as_i64)
            .ok_or_else(|| unexpected("kline", row))?,
        open: number(1)?,
        high: number(2)?,
        low: number(3)?,
        close: number(4)?,
        volume: number(5)?,
    })
}

/// One minute in ms: funding events are normalised to it.
const MINUTE: i64 = 60_000;

/// The funding instant of an event Binance stamped `funding_time` (ms): rounded down to the whole minute.
pub fn funding_instant(funding_time: i64) -> i64 {
    funding_time.div_euclid(MINUTE) * MINUTE
}

/// The last settlement timestamp (ms, inclusive: Binance's `endTime`) whose instant is before `end`.
pub fn funding_query_end(end: i64) -> i64 {
    end.saturating_add(MINUTE - 1).div_euclid(MINUTE) * MINUTE - 1
}

fn malformed(field: &str, value: &Value, why: &str, row: &Value) -> DomainError {
    DomainError::external(
        EXCHANGE,
        ExternalKind::Rejected,
        format!("unexpected funding row: {field} {value} {why}: {row:.200}"),
    )
}

/// Binance's settlement timestamp of a funding row (`fundingTime`, ms).
fn funding_time(row: &Value) -> Result<i64> {
    let time = &row["fundingTime"];
    time.as_i64()
        .filter(|t| *t >= 0)
        .ok_or_else(|| malformed("fundingTime", time, "is not a time in ms", row))
}

/// One funding row `{"symbol": "BTCUSDT", "fundingTime": 1698796800004, "fundingRate": "0.00010000",
/// "markPrice": "34512.10000000"}` as an event at its funding instant ([`funding_instant`]). The rate is a
/// decimal string as Binance sends it; `markPrice` is not kept (old rows send it empty).
pub fn funding_rate(row: &Value) -> Result<FundingRate> {
    let time = funding_time(row)?;
    let rate = &row["fundingRate"];
    let rate = rate
        .as_str()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|r| r.is_finite())
        .ok_or_else(|| malformed("fundingRate", rate, "is not a decimal string", row))?;
    Ok(FundingRate {
        time: funding_instant(time),
        rate,
    })
}

/// The perpetual contracts trading now, from an `exchangeInfo` answer.
pub fn perpetuals(info: &Value) -> Result<Vec<Symbol>> {
    let rows = info["symbols"]
        .as_array()
        .ok_or_else(|| unexpected("exchangeInfo", info))?;
    let mut symbols: Vec<Symbol> = rows
        .iter()
        .filter(|s| s["contractType"] == "PERPETUAL" && s["status"] == "TRADING")
        .filter_map(|s| {
            let text = format!(
                "{}/{}:{}",
                s["baseAsset"].as_str()?,
                s["quoteAsset"].as_str()?,
                s["marginAsset"].as_str()?
            );
            text.parse().ok()
        })
        .collect();
    symbols.sort();
    Ok(symbols)
}

/// Paging, retry and rate-limit settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Klines per request (Binance allows up to 1,500).
    pub page_limit: usize,
    /// Funding events per request (Binance allows up to 1,000).
    pub funding_page_limit: usize,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First retry delay; doubled per attempt.
    pub backoff: Duration,
    /// Pause when the used weight of the minute reaches this (Binance's limit is 2,400).
    pub weight_budget: u64,
    /// Longest pause for a rate limit or `Retry-After`.
    pub max_pause: Duration,
    /// Longest wait for one answer; a request that takes longer is retried like a connection failure.
    pub request_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            page_limit: 1500,
            funding_page_limit: 1000,
            max_attempts: 5,
            backoff: Duration::from_millis(500),
            weight_budget: 2000,
            max_pause: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
        }
    }
}

/// What the adapter did (for the status route and tests).
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    pub pauses: AtomicU64,
}

/// The Binance USD-M futures REST API at a base URL.
#[derive(Debug, Clone)]
pub struct BinanceFutures {
    base: String,
    http: reqwest::Client,
    settings: Settings,
    stats: Arc<Stats>,
}

impl BinanceFutures {
    /// The API at `base_url` (`https://fapi.binance.com`, or a replay server).
    pub fn new(base_url: &str, settings: Settings) -> Result<Self> {
        check_url(base_url)?;
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .build()
            .map_err(|e| DomainError::Configuration(format!("HTTP client: {e}")))?;
        Ok(BinanceFutures {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
            settings,
            stats: Arc::new(Stats::default()),
        })
    }

    /// What the adapter has done so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    fn delay(&self, attempt: u32) -> Duration {
        self.settings.backoff.saturating_mul(1 << attempt.min(10))
    }

    /// GET `path` with `query`, retried and rate-limited as described above.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.settings.max_attempts;
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let response = match self.http.get(&url).query(query).send().await {
                Ok(response) => response,
                Err(e) if !last => {
                    tracing::warn!(%url, error = %e, attempt, "Binance unreachable; retrying");
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(self.delay(attempt - 1)).await;
                    continue;
                }
                Err(e) => {
                    return Err(DomainError::external(
                        EXCHANGE,
                        ExternalKind::Unavailable,
                        format!("{path}: {e}"),
                    ));
                }
            };
            let status = response.status();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
            };
            let retry_after = header("retry-after");
            let used_weight = header("x-mbx-used-weight-1m");
            if status.as_u16() == 429 || status.as_u16() == 418 {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                if last {
                    return Err(DomainError::external(
                        EXCHANGE,
                        ExternalKind::Throttled,
                        format!("{path}: {status} after {attempt} attempts"),
                    ));
                }
                let wait = retry_after.map_or_else(|| self.delay(attempt - 1), Duration::from_secs);
                tracing::warn!(%url, %status, wait_ms = wait.as_millis() as u64, "Binance rate limit; waiting");
                tokio::time::sleep(wait.min(self.settings.max_pause)).await;
                continue;
            }
            if status.is_server_error() {
                if last {
                    return Err(DomainError::external(
                        EXCHANGE,
                        ExternalKind::Unavailable,
                        format!("{path}: {status} after {attempt} attempts"),
                    ));
                }
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(self.delay(attempt - 1)).await;
                continue;
            }
            let body = response.text().await.map_err(|e| {
                DomainError::external(EXCHANGE, ExternalKind::Unavailable, format!("{path}: {e}"))
            })?;
            if !status.is_success() {
                return Err(rejected(path, status.as_u16(), &body));
            }
            if used_weight.is_some_and(|w| w >= self.settings.weight_budget) {
                self.stats.pauses.fetch_add(1, Ordering::Relaxed);
                let into_minute = chrono::Utc::now().timestamp_millis().rem_euclid(60_000) as u64;
                let wait = Duration::from_millis(60_000 - into_minute).min(self.settings.max_pause);
                tracing::info!(
                    used_weight,
                    wait_ms = wait.as_millis() as u64,
                    "Binance weight budget reached; pausing"
                );
                tokio::time::sleep(wait).await;
            }
            return serde_json::from_str(&body).map_err(|e| {
                DomainError::external(
                    EXCHANGE,
                    ExternalKind::Rejected,
                    format!("{path}: not JSON ({e}): {body:.200}"),
                )
            });
        }
    }
}

/// A 4xx answer: an unknown symbol is a validation error, anything else a rejection with Binance's message.
fn rejected(path: &str, status: u16, body: &str) -> DomainError {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let code = parsed.as_ref().and_then(|v| v["code"].as_i64());
    let message = parsed
        .as_ref()
        .and_then(|v| v["msg"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{body:.200}"));
    if code == Some(-1121) {
        return DomainError::validation("symbol", format!("Binance USD-M futures: {message}"));
    }
    DomainError::external(
        EXCHANGE,
        ExternalKind::Rejected,
        format!("{path}: {status} {message}"),
    )
}

/// `base_url` is an http(s) URL (`BINANCE_FUTURES_URL`).
pub(crate) fn check_url(base_url: &str) -> Result<()> {
    if reqwest::Url::parse(base_url).is_err() || !base_url.starts_with("http") {
        return Err(DomainError::validation(
            "BINANCE_FUTURES_URL",
            format!("'{base_url}' is not an http(s) URL, e.g. {PRODUCTION_URL}"),
        ));
    }
    Ok(())
}

#[async_trait]
impl CandleSource for BinanceFutures {
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
        let pair = pair(symbol)?;
        let step = timeframe.millis();
        let mut candles = Vec::new();
        let mut cursor = start;
        while cursor < end {
            let query = [
                ("symbol", pair.clone()),
                ("interval", timeframe.as_str().to_owned()),
                ("startTime", cursor.to_string()),
                ("endTime", (end - 1).to_string()),
                ("limit", self.settings.page_limit.to_string()),
            ];
            let page = self.get("/fapi/v1/klines", &query).await?;
            let rows = page
                .as_array()
                .ok_or_else(|| unexpected("klines page", &page))?;
            let Some(last) = rows.last() else { break };
            for row in rows {
                candles.push(candle(row)?);
            }
            let next = candle(last)?.open_time + step;
            if rows.len() < self.settings.page_limit || next <= cursor {
                break;
            }
            cursor = next;
        }
        Ok(candles)
    }

    async fn symbols(&self) -> Result<Vec<Symbol>> {
        perpetuals(&self.get("/fapi/v1/exchangeInfo", &[]).await?)
    }

    /// Pages of `GET /fapi/v1/fundingRate` (oldest first; the next page starts after the last settlement
    /// timestamp), through the same retries and weight budget as klines.
    async fn funding_rates(
        &self,
        symbol: &Symbol,
        start: i64,
        end: i64,
    ) -> Result<Vec<FundingRate>> {
        if !symbol.is_futures() {
            return Ok(Vec::new());
        }
        let pair = pair(symbol)?;
        let last = funding_query_end(end);
        let mut events = Vec::new();
        let mut cursor = start;
        while cursor <= last {
            let query = [
                ("symbol", pair.clone()),
                ("startTime", cursor.to_string()),
                ("endTime", last.to_string()),
                ("limit", self.settings.funding_page_limit.to_string()),
            ];
            let page = self.get("/fapi/v1/fundingRate", &query).await?;
            let rows = page
                .as_array()
                .ok_or_else(|| unexpected("fundingRate page", &page))?;
            let Some(newest) = rows.last() else { break };
            for row in rows {
                let event = funding_rate(row)?;
                if (start..end).contains(&event.time) {
                    events.push(event);
                }
            }
            let next = funding_time(newest)? + 1;
            if rows.len() < self.settings.funding_page_limit || next <= cursor {
                break;
            }
            cursor = next;
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_m_pairs_map_to_binance_symbols() {
        let symbol = |s: &str| s.parse::<Symbol>().expect("symbol");
        assert_eq!(pair(&symbol("BTC/USDT:USDT")).expect("pair"), "BTCUSDT");
        assert_eq!(pair(&symbol("ETH/USDC:USDC")).expect("pair"), "ETHUSDC");
        for bad in ["BTC/USDT", "BTC/USD:BTC", "BTC/EUR:EUR"] {
            let err = pair(&symbol(bad)).expect_err(bad);
            assert!(err.to_string().contains("USD-M"), "{err}");
        }
    }

    #[test]
    fn rows_and_errors_are_read_as_binance_documents_them() {
        let row = serde_json::json!([
            1704067200000i64,
            "42000.0",
            "42031.7",
            "41609.7",
            "41692.7",
            "1304.716",
            1704070799999i64
        ]);
        assert_eq!(candle(&row).expect("row").close, 41692.7);
        assert!(candle(&serde_json::json!([1, "x"])).is_err());
        let unknown = rejected(
            "/fapi/v1/klines",
            400,
            r#"{"code":-1121,"msg":"Invalid symbol."}"#,
        );
        assert_eq!(
            unknown.to_string(),
            "invalid symbol: Binance USD-M futures: Invalid symbol."
        );
        assert!(!rejected("/x", 403, "WAF").is_retriable());
    }

    #[test]
    fn funding_rows_are_read_at_their_funding_instant() {
        let row = serde_json::json!({"symbol": "BTCUSDT", "fundingTime": 1_698_796_800_004i64,
            "fundingRate": "-0.00002986", "markPrice": "34512.10000000"});
        assert_eq!(
            funding_rate(&row).expect("row"),
            FundingRate {
                time: 1_698_796_800_000,
                rate: -0.00002986
            },
            "00:00:00.004 is the 00:00 event"
        );
        let old = serde_json::json!({"symbol": "BTCUSDT", "fundingTime": 1_568_102_400_000i64,
            "fundingRate": "0.00010000", "markPrice": ""});
        assert_eq!(
            funding_rate(&old).expect("an empty markPrice is fine").rate,
            0.0001
        );
        assert_eq!(funding_instant(1_698_796_859_999), 1_698_796_800_000);
        assert_eq!(funding_instant(1_698_796_860_000), 1_698_796_860_000);
        assert_eq!(funding_query_end(1_698_796_800_000), 1_698_796_799_999);
        assert_eq!(funding_query_end(1_698_796_800_001), 1_698_796_859_999);
    }

    #[test]
    fn a_malformed_funding_row_names_its_field_and_value() {
        let cases = [
            (
                serde_json::json!({"fundingTime": "1698796800004", "fundingRate": "0.0001"}),
                r#"fundingTime "1698796800004" is not a time in ms"#,
            ),
            (
                serde_json::json!({"fundingRate": "0.0001"}),
                "fundingTime null is not a time in ms",
            ),
            (
                serde_json::json!({"fundingTime": -8, "fundingRate": "0.0001"}),
                "fundingTime -8 is not a time in ms",
            ),
            (
                serde_json::json!({"fundingTime": 1_698_796_800_004i64, "fundingRate": "abc"}),
                r#"fundingRate "abc" is not a decimal string"#,
            ),
            (
                serde_json::json!({"fundingTime": 1_698_796_800_004i64, "fundingRate": 0.0001}),
                "fundingRate 0.0001 is not a decimal string",
            ),
            (
                serde_json::json!({"fundingTime": 1_698_796_800_004i64, "fundingRate": "NaN"}),
                r#"fundingRate "NaN" is not a decimal string"#,
            ),
        ];
        for (row, expected) in cases {
            let err = funding_rate(&row).expect_err("malformed");
            assert!(
                err.to_string().contains(expected) && !err.is_retriable(),
                "{row}: {err}"
            );
        }
    }
}
