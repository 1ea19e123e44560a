//! data-collection-proxy (§10.2 #16, §10.3), operation `ensure-data`: before a backtest, ask the
//! data-collection service to sync the symbols over the backtest's days plus `padding_days` of warm-up
//! (`POST /api/v1/sync`; the service fetches only what its store lacks). `health` checks the service.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_domain::{DomainError, ExternalKind, Result as DomainResult};

use crate::input::blank;
use crate::registry::Handler;
use crate::HandlerError;

/// What the function does through the API as a machine: it syncs market data (`POST /api/v1/sync`).
pub const API_PERMISSIONS: [tradai_config::Permission; 1] = [tradai_config::Permission::SyncData];

/// The scopes its machine client requests: [`API_PERMISSIONS`] of the config's resource server
/// (`tradai-api/data.sync`); the M2M client may grant no more (`tradai infra check`, rule `identity`).
pub fn scopes(cognito: &tradai_config::CognitoSettings) -> Vec<String> {
    API_PERMISSIONS
        .iter()
        .map(|p| format!("{}/{p}", cognito.resource_server.identifier))
        .collect()
}

/// Exchanges the reference names (only `binance_futures` is served: decision S18).
pub const EXCHANGES: [&str; 3] = ["binance_futures", "bybit_futures", "okx_futures"];

/// The data-collection service.
#[async_trait]
pub trait DataCollection: Send + Sync {
    /// `POST /api/v1/sync` with `body`: the HTTP status and the answer.
    async fn sync(&self, body: &Value) -> DomainResult<(u16, Value)>;
    /// `GET /api/v1/health`: the HTTP status and the answer.
    async fn health(&self) -> DomainResult<(u16, Value)>;
}

/// The service over HTTP at `DATA_COLLECTION_URL`, with the platform's machine client's access token.
#[derive(Debug, Clone)]
pub struct HttpDataCollection {
    pub base_url: String,
    pub tokens: Arc<crate::m2m::ClientCredentials>,
    pub client: reqwest::Client,
}

impl HttpDataCollection {
    async fn call(&self, request: reqwest::RequestBuilder) -> DomainResult<(u16, Value)> {
        let token = self.tokens.token().await?;
        let response = request.bearer_auth(token).send().await.map_err(|e| {
            let kind = if e.is_timeout() {
                ExternalKind::Timeout
            } else {
                ExternalKind::Unavailable
            };
            DomainError::external("data-collection", kind, e.to_string())
        })?;
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, body))
    }
}

#[async_trait]
impl DataCollection for HttpDataCollection {
    async fn sync(&self, body: &Value) -> DomainResult<(u16, Value)> {
        self.call(
            self.client
                .post(format!("{}/api/v1/sync", self.base_url))
                .json(body),
        )
        .await
    }

    async fn health(&self) -> DomainResult<(u16, Value)> {
        self.call(self.client.get(format!("{}/api/v1/health", self.base_url)))
            .await
    }
}

/// The service's sync done in this process over a market store and a candle source (the local executor):
/// the same DB-first sync of candles and of a futures pair's funding events, each symbol's outcome
/// ([`tradai_market::sync::SyncOutcome`], its `funding` included) in the answer's `results`. A failure of
/// either fails the call.
pub struct InProcessDataCollection {
    pub store: Arc<dyn tradai_domain::ports::MarketStore>,
    pub source: Arc<dyn tradai_domain::ports::CandleSource>,
}

impl std::fmt::Debug for InProcessDataCollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessDataCollection")
            .field("exchange", &self.source.exchange())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl DataCollection for InProcessDataCollection {
    async fn sync(&self, body: &Value) -> DomainResult<(u16, Value)> {
        let timeframe: tradai_domain::entities::Timeframe =
            body["timeframe"].as_str().unwrap_or("1h").parse()?;
        let midnight = |field: &str| -> DomainResult<i64> {
            let text = body[field].as_str().unwrap_or_default();
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                DomainError::validation(field, format!("'{text}' is not YYYY-MM-DD"))
            })?;
            Ok(day
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis())
        };
        let padding = body["padding_days"].as_i64().unwrap_or(0) * 86_400_000;
        let (start, end) = (midnight("start_date")? - padding, midnight("end_date")?);
        let now = chrono::Utc::now().timestamp_millis();
        let mut results = Vec::new();
        for symbol in body["symbols"].as_array().into_iter().flatten() {
            let symbol: tradai_domain::entities::Symbol =
                symbol.as_str().unwrap_or_default().parse()?;
            let outcome = tradai_market::sync::sync_range(
                self.store.as_ref(),
                self.source.as_ref(),
                &symbol,
                timeframe,
                (start, end),
                now,
            )
            .await?;
            results.push(serde_json::to_value(outcome).unwrap_or_default());
        }
        Ok((
            200,
            json!({"exchange": self.source.exchange(), "results": results}),
        ))
    }

    async fn health(&self) -> DomainResult<(u16, Value)> {
        Ok((200, json!({"status": "healthy", "in_process": true})))
    }
}

/// What the proxy is asked to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Sync the backtest's candles before it runs.
    EnsureData,
    /// Check the service.
    #[default]
    Health,
}

/// The call: `operation` (default `health`) and, for `ensure-data`, its `params`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Input {
    #[serde(default)]
    pub operation: Operation,
    #[serde(default)]
    pub params: SyncParams,
}

/// `ensure-data`'s parameters, checked by [`sync_request`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SyncParams {
    #[serde(default)]
    pub symbols: Vec<String>,
    #[serde(default, deserialize_with = "blank")]
    pub timeframe: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default, deserialize_with = "blank")]
    pub exchange: Option<String>,
    #[serde(default)]
    pub padding_days: Option<i64>,
}

/// The body of `POST /api/v1/sync`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncRequest {
    pub symbols: Vec<String>,
    pub timeframe: String,
    pub start_date: String,
    /// The backtest's end day, excluded as the backtest excludes it (decision F2).
    pub end_date: String,
    pub exchange: String,
    pub padding_days: i64,
}

/// The answer of each operation; the service's own answers are passed through as it gave them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Output {
    EnsureData {
        operation: Operation,
        success: bool,
        request: SyncRequest,
        coverage: Value,
    },
    Health {
        operation: Operation,
        healthy: bool,
        service: Value,
    },
}

fn day(field: &str, value: Option<&str>) -> Result<NaiveDate, HandlerError> {
    let text = value.unwrap_or_default();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y%m%d"))
        .map_err(|_| {
            HandlerError::invalid(field, format!("'{text}' is not YYYY-MM-DD or YYYYMMDD"))
        })
}

/// The sync request of an `ensure-data` call.
pub fn sync_request(params: &SyncParams) -> Result<SyncRequest, HandlerError> {
    let symbols = &params.symbols;
    if symbols.is_empty() || symbols.len() > 50 || symbols.iter().any(|s| !s.contains('/')) {
        return Err(HandlerError::invalid(
            "symbols",
            "1 to 50 pairs, each BASE/QUOTE[:SETTLE]",
        ));
    }
    let timeframe = params.timeframe.as_deref().unwrap_or("1h");
    let shaped = timeframe.len() >= 2
        && timeframe[..timeframe.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_digit())
        && timeframe.ends_with(['m', 'h', 'd']);
    if !shaped {
        return Err(HandlerError::invalid(
            "timeframe",
            format!("'{timeframe}' is not a number followed by m, h or d"),
        ));
    }
    let (start, end) = (
        day("start_date", params.start_date.as_deref())?,
        day("end_date", params.end_date.as_deref())?,
    );
    if start >= end {
        return Err(HandlerError::invalid(
            "start_date",
            format!("{start} is not before end_date {end}"),
        ));
    }
    let padding = params.padding_days.unwrap_or(30);
    if !(0..=365).contains(&padding) {
        return Err(HandlerError::invalid(
            "padding_days",
            format!("{padding} is not 0 to 365"),
        ));
    }
    // The same bounds as every entry point: within the data the platform can have, padding included, and at
    // most the timeframe's span (tradai_domain::bounds).
    if let Ok(frame) = timeframe.parse::<tradai_domain::entities::Timeframe>() {
        tradai_domain::bounds::check_range(
            ("start_date", start - chrono::Duration::days(padding)),
            ("end_date", end),
            frame,
            chrono::Utc::now().date_naive(),
        )?;
    }
    let exchange = params.exchange.as_deref().unwrap_or("binance_futures");
    if !EXCHANGES.contains(&exchange) {
        return Err(HandlerError::invalid(
            "exchange",
            format!("'{exchange}' is not one of {}", EXCHANGES.join(", ")),
        ));
    }
    Ok(SyncRequest {
        symbols: symbols.clone(),
        timeframe: timeframe.to_owned(),
        start_date: start.to_string(),
        end_date: end.to_string(),
        exchange: exchange.to_owned(),
        padding_days: padding,
    })
}

/// data-collection-proxy over a data-collection service (HTTP in AWS, in process locally).
#[derive(Clone)]
pub struct DataCollectionProxy {
    pub service: Arc<dyn DataCollection>,
}

crate::handler_debug!(DataCollectionProxy);

impl DataCollectionProxy {
    /// Over `service`.
    pub fn new(service: Arc<dyn DataCollection>) -> Self {
        DataCollectionProxy { service }
    }
}

impl Handler for DataCollectionProxy {
    const FUNCTION: Function = Function::DataCollectionProxy;
    type Input = Input;
    type Output = Output;
    type Settings = ();

    fn build(
        _ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        _settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(crate::registry::required(
            &extras.data,
            "a data-collection client",
            Self::FUNCTION,
        )?))
    }

    async fn handle(&self, input: Input, _now: Timestamp) -> Result<Output, HandlerError> {
        match input.operation {
            Operation::EnsureData => {
                let request = sync_request(&input.params)?;
                let body = serde_json::to_value(&request).unwrap_or_default();
                let (status, answer) = self.service.sync(&body).await?;
                if status != 200 {
                    let why = answer["message"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| answer.to_string());
                    return Err(HandlerError::Dependency(DomainError::external(
                        "data-collection",
                        if status >= 500 {
                            ExternalKind::Unavailable
                        } else {
                            ExternalKind::Rejected
                        },
                        format!("sync answered {status}: {why}"),
                    )));
                }
                Ok(Output::EnsureData {
                    operation: Operation::EnsureData,
                    success: true,
                    request,
                    coverage: answer["results"].clone(),
                })
            }
            Operation::Health => {
                let (status, answer) = self.service.health().await?;
                Ok(Output::Health {
                    operation: Operation::Health,
                    healthy: status == 200,
                    service: answer,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-process sync stores a perpetual's funding with its candles, DB-first: the second call fetches
    /// neither again.
    #[tokio::test]
    async fn in_process_sync_reports_funding_and_fetches_it_once() {
        let config = tradai_test_support::config_with_prefix("tradai");
        let ports = tradai_platform::Ports::memory(&config).expect("ports");
        let service = InProcessDataCollection {
            store: ports.market.clone(),
            source: ports.source.clone(),
        };
        let body = json!({"symbols": ["BTC/USDT:USDT"], "timeframe": "1h",
            "start_date": "2024-01-03", "end_date": "2024-01-05", "padding_days": 2});
        let (status, first) = service.sync(&body).await.expect("sync");
        assert_eq!(status, 200);
        let funding = &first["results"][0]["funding"];
        assert_eq!(
            (&funding["fetched"], &funding["stored"]),
            (&json!(12), &json!(12)),
            "four days, padding included: {first}"
        );
        let (_, again) = service.sync(&body).await.expect("sync");
        let funding = &again["results"][0]["funding"];
        assert_eq!(
            (
                &funding["already_stored"],
                &funding["fetched"],
                &funding["fetched_ranges"]
            ),
            (&json!(12), &json!(0), &json!([])),
            "{again}"
        );
        let events = ports
            .market
            .read_funding(&"BTC/USDT:USDT".parse().expect("symbol"), 0, i64::MAX)
            .await
            .expect("read");
        assert_eq!(events.len(), 12);
    }

    fn request(params: &Value) -> Result<SyncRequest, HandlerError> {
        sync_request(&crate::input::parse(params.clone())?)
    }

    #[test]
    fn ensure_data_requests_pad_and_exclude_the_end_day() {
        let params = json!({"symbols": ["BTC/USDT:USDT"], "start_date": "20240101", "end_date": "2024-04-01"});
        assert_eq!(
            serde_json::to_value(request(&params).expect("request")).expect("json"),
            json!({"symbols": ["BTC/USDT:USDT"], "timeframe": "1h",
            "start_date": "2024-01-01", "end_date": "2024-04-01", "exchange": "binance_futures", "padding_days": 30})
        );
        for (bad, field) in [
            (
                json!({"symbols": [], "start_date": "2024-01-01", "end_date": "2024-02-01"}),
                "symbols",
            ),
            (
                json!({"symbols": ["BTCUSDT"], "start_date": "2024-01-01", "end_date": "2024-02-01"}),
                "symbols",
            ),
            (
                json!({"symbols": ["BTC/USDT"], "timeframe": "hourly", "start_date": "2024-01-01", "end_date": "2024-02-01"}),
                "timeframe",
            ),
            (
                json!({"symbols": ["BTC/USDT"], "start_date": "2024-02-01", "end_date": "2024-01-01"}),
                "start_date",
            ),
            (
                json!({"symbols": ["BTC/USDT"], "start_date": "2024-01-01", "end_date": "2024-02-01", "exchange": "ftx"}),
                "exchange",
            ),
            (
                json!({"symbols": ["BTC/USDT"], "start_date": "2024-01-01", "end_date": "2024-02-01", "padding_days": 9999}),
                "padding_days",
            ),
            (
                json!({"symbols": ["BTC/USDT"], "start_date": "2017-01-10", "end_date": "2017-02-01"}),
                "start_date",
            ),
            (
                json!({"symbols": ["BTC/USDT"], "timeframe": "1m", "start_date": "2020-01-01", "end_date": "2024-02-01"}),
                "end_date",
            ),
        ] {
            match request(&bad) {
                Err(HandlerError::Validation { field: f, .. }) => assert_eq!(f, field, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
