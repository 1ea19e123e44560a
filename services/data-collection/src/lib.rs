//! `tradai-data-collection`: the data-collection service on :8002 (reference §7.3). A library (router +
//! state) and a thin binary. Candles come from a [`CandleSource`] (Binance USD-M futures, or its recorded
//! pages for the embedded default) and live in a [`MarketStore`] (Parquet objects in the market-data bucket).
//!
//! Routes: `POST /api/v1/sync` (a date range, DB-first), `POST /api/v1/sync/incremental`, `GET
//! /api/v1/freshness`, `GET /api/v1/symbols`, `GET /api/v1/ohlcv`, `GET /api/v1/status`, `GET /api/v1/health`.

pub mod candles;
pub mod sync;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{FromRef, State};
use axum::routing::{get, post};
use axum::Router;
use tradai_domain::entities::{Symbol, Timeframe};
use tradai_domain::ports::{CandleSource, MarketStore};
use tradai_service_kit::auth::Verifier;
use tradai_service_kit::health::{standard, HealthCheck, HealthReport};
use tradai_service_kit::http::{layered, HttpOptions};
use utoipa::OpenApi;

/// The lock held while one series syncs.
pub type SeriesLock = Arc<tokio::sync::Mutex<()>>;

/// One lock per series, so two syncs of the same series never merge into the same object at once.
#[derive(Debug, Default)]
pub struct SeriesLocks(Mutex<HashMap<(Symbol, Timeframe), SeriesLock>>);

impl SeriesLocks {
    /// The lock of one series.
    pub fn of(&self, symbol: &Symbol, timeframe: Timeframe) -> SeriesLock {
        let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        locks
            .entry((symbol.clone(), timeframe))
            .or_default()
            .clone()
    }
}

/// The service's dependencies.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn MarketStore>,
    pub source: Arc<dyn CandleSource>,
    pub verifier: Arc<Verifier>,
    pub locks: Arc<SeriesLocks>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("exchange", &self.source.exchange())
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl AppState {
    /// State over `store` and `source`.
    pub fn new(
        store: Arc<dyn MarketStore>,
        source: Arc<dyn CandleSource>,
        verifier: Arc<Verifier>,
    ) -> Self {
        AppState {
            store,
            source,
            verifier,
            locks: Arc::new(SeriesLocks::default()),
        }
    }

    /// The service over the platform's market store and candle source.
    pub fn from_ports(ports: &tradai_platform::Ports, verifier: Arc<Verifier>) -> AppState {
        AppState::new(ports.market.clone(), ports.source.clone(), verifier)
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TradAI data collection",
        version = "0.1.0",
        description = "OHLCV sync, freshness, symbols and candles (reference §7.3)"
    ),
    paths(
        sync::sync,
        sync::incremental,
        candles::ohlcv,
        candles::symbols,
        candles::freshness,
        candles::status,
        health
    ),
    components(schemas(
        sync::SyncRequest,
        sync::IncrementalRequest,
        candles::CandleView,
        candles::Candles,
        tradai_service_kit::ApiError
    ))
)]
struct Api;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

/// The market store answers a listing. (The exchange is not a health dependency: an exchange outage must
/// not get the service replaced; `/api/v1/status` reports it.)
struct Store(Arc<dyn MarketStore>);

#[async_trait::async_trait]
impl HealthCheck for Store {
    fn name(&self) -> &str {
        "market store"
    }
    async fn check(&self) -> Result<(), String> {
        self.0.series().await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Health with the dependency map.
#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses((status = 200, description = "every dependency answers"), (status = 503, description = "a dependency does not")))]
async fn health(State(state): State<AppState>) -> HealthReport {
    let checks: Vec<Arc<dyn HealthCheck>> = vec![Arc::new(Store(state.store.clone()))];
    standard("data-collection", &checks).await
}

/// The router with `state`, behind the common layers.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/sync", post(sync::sync))
        .route("/api/v1/sync/incremental", post(sync::incremental))
        .route("/api/v1/ohlcv", get(candles::ohlcv))
        .route("/api/v1/symbols", get(candles::symbols))
        .route("/api/v1/freshness", get(candles::freshness))
        .route("/api/v1/status", get(candles::status))
        .with_state(state)
        .merge(tradai_service_kit::docs::routes(
            openapi(),
            "TradAI data collection",
        ));
    layered(api, options)
}

/// Milliseconds since the epoch, now.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A time in ms as ISO 8601 (`2024-01-01T00:00:00Z`).
pub fn iso(millis: i64) -> String {
    tradai_domain::entities::Timestamp::from_millis(millis).iso_seconds()
}
