//! `POST /api/v1/sync` (a date range, DB-first: only missing candles are fetched) and
//! `POST /api/v1/sync/incremental` (from the newest stored candle to now). A futures pair's funding events
//! are synced over the same range, DB-first too (only the parts the store does not hold in full are fetched).
//! Each symbol is synced on its own under its series lock; the answer lists each symbol's outcome, its
//! funding included; a failure of either fails that symbol. All synced: 200; some failed: 207; all failed:
//! the first failure's status.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tradai_domain::entities::{Symbol, Timeframe};
use tradai_market::sync::{sync_incremental, sync_range, FundingOutcome, SyncOutcome};
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::fields::{self, required};
use tradai_service_kit::{ApiError, JsonBody, ValidationCode};
use utoipa::ToSchema;

use crate::{iso, now_millis, AppState};

/// Symbols per request, at most.
const MAX_SYMBOLS: usize = 20;
const DAY_MS: i64 = 86_400_000;

/// A range sync (the data-collection-proxy Lambda's body, reference §7.3).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Pairs, e.g. `["BTC/USDT:USDT"]` (1 to 20).
    pub symbols: Vec<String>,
    /// Default `1h`.
    pub timeframe: Option<String>,
    /// ISO 8601 date or date-time.
    pub start_date: Option<String>,
    /// ISO 8601 date or date-time (exclusive; at most now).
    pub end_date: Option<String>,
    /// The exchange key; must be the service's (`binance_futures`).
    pub exchange: Option<String>,
    /// Days to add before `start_date` (indicator warm-up), 0 to 365.
    pub padding_days: Option<i64>,
}

/// An incremental sync: after the newest stored candle up to now.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncrementalRequest {
    pub symbols: Vec<String>,
    pub timeframe: Option<String>,
    /// Where a series with nothing stored starts (required for those).
    pub start_date: Option<String>,
}

/// A `[start, end)` range as ISO 8601.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RangeView {
    pub start: String,
    pub end: String,
}

/// What the funding sync of one futures pair did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundingResult {
    /// The range synced: the candle range, ending at most an hour before now (an event is asked for once it
    /// has settled).
    pub range: RangeView,
    /// Funding events of the range the store already held.
    pub already_stored: usize,
    /// Parts of the range the store did not hold in full, asked of the exchange.
    pub fetched_ranges: Vec<RangeView>,
    /// Funding events the exchange returned for them, all stored.
    pub fetched: usize,
    /// Funding events of the range the store holds now.
    pub stored: usize,
}

/// What happened to one symbol.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SymbolResult {
    pub symbol: String,
    /// `synced` or `failed`.
    #[schema(value_type = String, example = "synced")]
    pub status: &'static str,
    /// The candle range synced, aligned to the timeframe and ending at the last closed candle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeView>,
    /// Candles of the range the store already held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_stored: Option<usize>,
    /// Candles the exchange returned and the store took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched: Option<usize>,
    /// Candle ranges that were missing and were asked of the exchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_ranges: Option<Vec<RangeView>>,
    /// The funding sync of a futures pair (absent for a spot pair, which pays no funding, and on failure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funding: Option<FundingResult>,
    /// Why the symbol failed: its candles or its funding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// The answer of a sync.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncReport {
    pub exchange: String,
    #[schema(value_type = String, example = "1h")]
    pub timeframe: Timeframe,
    pub results: Vec<SymbolResult>,
}

fn view(start: i64, end: i64) -> RangeView {
    RangeView {
        start: iso(start),
        end: iso(end),
    }
}

fn funding(outcome: FundingOutcome) -> FundingResult {
    FundingResult {
        range: view(outcome.range.start, outcome.range.end),
        already_stored: outcome.already_stored,
        fetched_ranges: outcome
            .fetched_ranges
            .iter()
            .map(|r| view(r.start, r.end))
            .collect(),
        fetched: outcome.fetched,
        stored: outcome.stored,
    }
}

fn result(symbol: &Symbol, outcome: Result<SyncOutcome, ApiError>) -> SymbolResult {
    match outcome {
        Ok(o) => SymbolResult {
            symbol: symbol.to_string(),
            status: "synced",
            range: Some(view(o.range.start, o.range.end)),
            already_stored: Some(o.already_stored),
            fetched: Some(o.fetched),
            fetched_ranges: Some(
                o.fetched_ranges
                    .iter()
                    .map(|r| view(r.start, r.end))
                    .collect(),
            ),
            funding: o.funding.map(funding),
            error: None,
        },
        Err(error) => SymbolResult {
            symbol: symbol.to_string(),
            status: "failed",
            range: None,
            already_stored: None,
            fetched: None,
            fetched_ranges: None,
            funding: None,
            error: Some(error),
        },
    }
}

fn answer(state: &AppState, timeframe: Timeframe, results: Vec<SymbolResult>) -> Response {
    let failed: Vec<&ApiError> = results.iter().filter_map(|r| r.error.as_ref()).collect();
    let status = match failed.first() {
        None => StatusCode::OK,
        Some(_) if failed.len() < results.len() => StatusCode::MULTI_STATUS,
        Some(first) => first.status(),
    };
    let report = SyncReport {
        exchange: state.source.exchange().to_owned(),
        timeframe,
        results,
    };
    (status, Json(report)).into_response()
}

fn timeframe_of(value: &Option<String>) -> Result<Timeframe, ApiError> {
    value
        .as_deref()
        .map_or(Ok(Timeframe::H1), |t| fields::timeframe("timeframe", t))
}

/// Sync a date range of each symbol: only the candles the store lacks are fetched.
///
/// For a futures pair, its funding events over the same range (padding included) too: only the parts of the
/// range the store does not hold in full are fetched, so a month synced whole once it has ended is never
/// fetched again. Each result reports both (`funding`); a funding failure fails its symbol as a candle
/// failure does.
#[utoipa::path(post, path = "/api/v1/sync", tag = "sync", request_body = SyncRequest,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "every symbol synced", body = SyncReport),
              (status = 207, description = "some symbols failed; each result says why", body = SyncReport),
              (status = 400, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["data.sync"])))]
pub async fn sync(
    State(state): State<AppState>,
    _: Authorized<need::SyncData>,
    JsonBody(request): JsonBody<SyncRequest>,
) -> Result<Response, ApiError> {
    let symbols = fields::symbols("symbols", &request.symbols, MAX_SYMBOLS)?;
    let timeframe = timeframe_of(&request.timeframe)?;
    let start = fields::instant("start_date", required("start_date", &request.start_date)?)?;
    let end = fields::instant("end_date", required("end_date", &request.end_date)?)?;
    fields::ordered("start_date", iso(start), iso(end))?;
    if let Some(exchange) = request
        .exchange
        .as_deref()
        .filter(|e| *e != state.source.exchange())
    {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "exchange",
            exchange,
            state.source.exchange(),
        ));
    }
    let padding = request.padding_days.unwrap_or(0);
    if !(0..=365).contains(&padding) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "padding_days",
            padding,
            "0 to 365",
        ));
    }
    let start = start - padding * DAY_MS;
    fields::range(("start_date", start), ("end_date", end), timeframe)?;
    let mut results = Vec::with_capacity(symbols.len());
    for symbol in &symbols {
        let lock = state.locks.of(symbol, timeframe);
        let _held = lock.lock().await;
        let outcome = sync_range(
            state.store.as_ref(),
            state.source.as_ref(),
            symbol,
            timeframe,
            (start, end),
            now_millis(),
        )
        .await
        .map_err(ApiError::from);
        results.push(result(symbol, outcome));
    }
    Ok(answer(&state, timeframe, results))
}

/// Sync each symbol from its newest stored candle up to now.
///
/// A futures pair's funding events over the same range are synced too, DB-first, and reported in `funding`.
#[utoipa::path(post, path = "/api/v1/sync/incremental", tag = "sync", request_body = IncrementalRequest,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "every symbol synced", body = SyncReport),
              (status = 207, description = "some symbols failed; each result says why", body = SyncReport),
              (status = 400, body = ApiError)),
    security(("cognito" = ["data.sync"])))]
pub async fn incremental(
    State(state): State<AppState>,
    _: Authorized<need::SyncData>,
    JsonBody(request): JsonBody<IncrementalRequest>,
) -> Result<Response, ApiError> {
    let symbols = fields::symbols("symbols", &request.symbols, MAX_SYMBOLS)?;
    let timeframe = timeframe_of(&request.timeframe)?;
    let first_start = request
        .start_date
        .as_deref()
        .map(|s| fields::instant("start_date", s))
        .transpose()?;
    if let Some(first) = first_start {
        fields::range(("start_date", first), ("end_date", now_millis()), timeframe)?;
    }
    let mut results = Vec::with_capacity(symbols.len());
    for symbol in &symbols {
        let lock = state.locks.of(symbol, timeframe);
        let _held = lock.lock().await;
        let outcome = sync_incremental(
            state.store.as_ref(),
            state.source.as_ref(),
            symbol,
            timeframe,
            first_start,
            now_millis(),
        )
        .await
        .map_err(ApiError::from);
        results.push(result(symbol, outcome));
    }
    Ok(answer(&state, timeframe, results))
}
