//! Reading the store: `GET /api/v1/ohlcv`, `GET /api/v1/symbols`, `GET /api/v1/freshness`,
//! `GET /api/v1/status`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tradai_domain::entities::{Candle, Timeframe};
use tradai_domain::ports::Series;
use tradai_market::sync::{freshness as fresh_at, Freshness};
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::fields::{self, required};
use tradai_service_kit::{ApiError, QueryParams, ValidationCode};
use utoipa::ToSchema;

use crate::{iso, now_millis, AppState};

const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 10_000;

/// One candle as the API shows it (the reference §20 columns).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandleView {
    /// Open time, ISO 8601 UTC.
    pub date: String,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

impl From<&Candle> for CandleView {
    fn from(c: &Candle) -> Self {
        CandleView {
            date: iso(c.open_time),
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
        }
    }
}

/// Candles of one series, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candles {
    pub symbol: String,
    pub timeframe: String,
    pub count: usize,
    pub candles: Vec<CandleView>,
}

/// Query of `GET /api/v1/ohlcv`.
#[derive(Debug, Clone, Deserialize)]
pub struct OhlcvQuery {
    pub symbol: Option<String>,
    pub timeframe: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub limit: Option<usize>,
}

/// Stored candles of a symbol: those in `[start, end)`, at most `limit` (the newest when `start` is left
/// out); `end` defaults to now.
#[utoipa::path(get, path = "/api/v1/ohlcv", tag = "ohlcv",
    params(("symbol" = String, Query, description = "e.g. BTC/USDT:USDT"),
           ("timeframe" = Option<String>, Query, description = "default 1h"),
           ("start" = Option<String>, Query, description = "ISO 8601, inclusive"),
           ("end" = Option<String>, Query, description = "ISO 8601, exclusive; default now"),
           ("limit" = Option<usize>, Query, description = "1 to 10000, default 500")),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = Candles), (status = 400, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn ohlcv(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    QueryParams(query): QueryParams<OhlcvQuery>,
) -> Result<Json<Candles>, ApiError> {
    let symbol = fields::symbol("symbol", required("symbol", &query.symbol)?)?;
    let timeframe = query
        .timeframe
        .as_deref()
        .map_or(Ok(Timeframe::H1), |t| fields::timeframe("timeframe", t))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "limit",
            limit,
            "1 to 10000",
        ));
    }
    let end = query
        .end
        .as_deref()
        .map_or(Ok(now_millis()), |e| fields::instant("end", e))?;
    let start = match query.start.as_deref() {
        Some(s) => {
            let start = fields::instant("start", s)?;
            fields::ordered("start", iso(start), iso(end))?;
            Some(start)
        }
        None => None,
    };
    let step = timeframe.millis() as i128;
    let window = (limit as i128 * step).min(i64::MAX as i128) as i64;
    let from = start.unwrap_or_else(|| end.saturating_sub(window));
    let mut candles = state.store.read(&symbol, timeframe, from, end).await?;
    if start.is_some() {
        candles.truncate(limit);
    } else if candles.len() > limit {
        candles.drain(..candles.len() - limit);
    }
    Ok(Json(Candles {
        symbol: symbol.to_string(),
        timeframe: timeframe.to_string(),
        count: candles.len(),
        candles: candles.iter().map(CandleView::from).collect(),
    }))
}

fn series_view(s: &Series) -> Value {
    json!({ "symbol": s.symbol, "timeframe": s.timeframe, "first": iso(s.first), "last": iso(s.last) })
}

/// The stored series, and the pairs the exchange trades (or why they could not be listed).
#[utoipa::path(get, path = "/api/v1/symbols", tag = "ohlcv",
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "stored series and exchange pairs", body = Object), (status = 503, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn symbols(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
) -> Result<Json<Value>, ApiError> {
    let stored = state.store.series().await?;
    let exchange = match state.source.symbols().await {
        Ok(symbols) => json!({ "name": state.source.exchange(), "symbols": symbols }),
        Err(e) => json!({ "name": state.source.exchange(), "error": e.to_string() }),
    };
    Ok(Json(json!({
        "stored": stored.iter().map(series_view).collect::<Vec<_>>(),
        "exchange": exchange,
    })))
}

/// Query of `GET /api/v1/freshness`.
#[derive(Debug, Clone, Deserialize)]
pub struct FreshnessQuery {
    pub timeframe: Option<String>,
    pub max_age_seconds: Option<i64>,
}

/// How long ago each stored series' newest candle closed, and whether that is within the allowed age
/// (default: two candles).
#[utoipa::path(get, path = "/api/v1/freshness", tag = "ohlcv",
    params(("timeframe" = Option<String>, Query, description = "only this timeframe"),
           ("max_age_seconds" = Option<i64>, Query, description = "allowed age; default two candles")),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "per series", body = Object), (status = 400, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn freshness(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    QueryParams(query): QueryParams<FreshnessQuery>,
) -> Result<Json<Value>, ApiError> {
    let only = query
        .timeframe
        .as_deref()
        .map(|t| fields::timeframe("timeframe", t))
        .transpose()?;
    if let Some(age) = query.max_age_seconds.filter(|a| *a < 0) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "max_age_seconds",
            age,
            "0 or more",
        ));
    }
    let now = now_millis();
    let series: Vec<Freshness> = state
        .store
        .series()
        .await?
        .iter()
        .filter(|s| only.is_none_or(|t| s.timeframe == t))
        .map(|s| fresh_at(s, now, query.max_age_seconds))
        .collect();
    let stale = series.iter().filter(|f| !f.fresh).count();
    let views: Vec<Value> = series
        .iter()
        .map(|f| json!({ "symbol": f.symbol, "timeframe": f.timeframe, "last_candle": iso(f.last_candle), "age_seconds": f.age_seconds, "fresh": f.fresh }))
        .collect();
    Ok(Json(
        json!({ "checked_at": iso(now), "stale": stale, "series": views }),
    ))
}

/// What the service serves: the exchange, and stored series per timeframe.
#[utoipa::path(get, path = "/api/v1/status", tag = "ohlcv",
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "service status", body = Object)),
    security(("cognito" = ["read"])))]
pub async fn status(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
) -> Result<Json<Value>, ApiError> {
    let series = state.store.series().await?;
    let mut per_timeframe: BTreeMap<String, usize> = BTreeMap::new();
    for s in &series {
        *per_timeframe.entry(s.timeframe.to_string()).or_default() += 1;
    }
    Ok(Json(json!({
        "service": "data-collection",
        "version": env!("CARGO_PKG_VERSION"),
        "exchange": state.source.exchange(),
        "series": series.len(),
        "series_per_timeframe": per_timeframe,
    })))
}
