//! The data-collection service's routes: sync, candles, status, health, and the OpenAPI document.

pub mod candles;
pub mod sync;

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use tradai_domain::ports::MarketStore;
use tradai_service_kit::docs::BearerAuth;
use tradai_service_kit::health::{standard, HealthCheck, HealthReport};
use tradai_service_kit::http::{layered, HttpOptions};
use utoipa::OpenApi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TradAI data collection",
        version = "0.1.0",
        description = "OHLCV and funding-rate sync, freshness, symbols and candles (reference §7.3)"
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
        sync::SyncReport,
        sync::SymbolResult,
        sync::FundingResult,
        sync::RangeView,
        candles::CandleView,
        candles::Candles,
        tradai_service_kit::ApiError
    )),
    modifiers(&BearerAuth)
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
