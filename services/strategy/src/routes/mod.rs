//! The strategy service's routes: strategy configs, the model registry, health, and the OpenAPI document.

pub mod configs;
pub mod models;
pub mod sweeps;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use tradai_domain::ports::{ModelRegistry, ObjectStore};
use tradai_service_kit::docs::BearerAuth;
use tradai_service_kit::health::{standard, HealthCheck, HealthReport};
use tradai_service_kit::http::{body_limit, layered, HttpOptions, CONFIG_BODY_LIMIT};
use utoipa::OpenApi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TradAI strategy service",
        version = "0.1.0",
        description = "Strategy configs, the model registry and hyperopt sweeps (reference §7.2)"
    ),
    paths(
        configs::list,
        configs::get,
        configs::validate,
        configs::merge_configs,
        models::model,
        models::experiment,
        models::versions,
        models::rollback_candidates,
        models::rollback,
        models::stage,
        models::promote,
        models::register,
        sweeps::start,
        sweeps::list,
        sweeps::get,
        sweeps::cancel,
        health
    ),
    components(schemas(
        configs::StrategySummary,
        configs::Validation,
        configs::MergeRequest,
        configs::Merged,
        models::Versions,
        models::StageRequest,
        models::VersionChoice,
        models::RegisterRequest,
        crate::sweeps::StartSweep,
        crate::sweeps::SweepRecord,
        crate::sweeps::SweepStatus,
        crate::sweeps::SweepView,
        crate::sweeps::SweepPage,
        crate::sweeps::Progress,
        tradai_service_kit::ApiError
    )),
    modifiers(&BearerAuth)
)]
struct Api;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

/// The configs bucket answers a listing.
struct ConfigsBucket(Arc<dyn ObjectStore>);

#[async_trait::async_trait]
impl HealthCheck for ConfigsBucket {
    fn name(&self) -> &str {
        "configs bucket"
    }
    async fn check(&self) -> Result<(), String> {
        self.0
            .list("strategies/")
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The model registry answers a lookup (a missing model is an answer).
struct Registry(Arc<dyn ModelRegistry>);

#[async_trait::async_trait]
impl HealthCheck for Registry {
    fn name(&self) -> &str {
        "model registry"
    }
    async fn check(&self) -> Result<(), String> {
        match self.0.model("tradai-health-probe").await {
            Ok(_) | Err(tradai_domain::DomainError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Health with the dependency map.
#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses((status = 200, description = "every dependency answers"), (status = 503, description = "a dependency does not")))]
async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> HealthReport {
    let checks: Vec<Arc<dyn HealthCheck>> = vec![
        Arc::new(ConfigsBucket(state.configs.clone())),
        Arc::new(Registry(state.registry.clone())),
    ];
    standard("strategy-service", &checks).await
}

/// The router with `state`, behind the common layers.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/strategies", get(configs::list))
        .route(
            "/api/v1/strategies/validate",
            post(configs::validate).route_layer(body_limit(CONFIG_BODY_LIMIT)),
        )
        .route(
            "/api/v1/strategies/merge",
            post(configs::merge_configs).route_layer(body_limit(CONFIG_BODY_LIMIT)),
        )
        .route("/api/v1/strategies/{config_name}", get(configs::get))
        .route("/api/v1/strategies/{name}/stage", post(models::stage))
        .route("/api/v1/strategies/{name}/promote", post(models::promote))
        .route("/api/v1/strategies/{name}/register", post(models::register))
        .route("/api/v1/mlflow/models/{model_name}", get(models::model))
        .route(
            "/api/v1/mlflow/experiments/{experiment_id}",
            get(models::experiment),
        )
        .route(
            "/api/v1/models/{model_name}/versions",
            get(models::versions),
        )
        .route(
            "/api/v1/models/{model_name}/rollback-candidates",
            get(models::rollback_candidates),
        )
        .route(
            "/api/v1/models/{model_name}/rollback",
            post(models::rollback),
        )
        .route("/api/v1/hyperopt", get(sweeps::list))
        .route(
            "/api/v1/hyperopt",
            post(sweeps::start).route_layer(body_limit(CONFIG_BODY_LIMIT)),
        )
        .route("/api/v1/hyperopt/{job_id}", get(sweeps::get))
        .route("/api/v1/hyperopt/{job_id}/cancel", post(sweeps::cancel))
        .with_state(state)
        .merge(tradai_service_kit::docs::routes(
            openapi(),
            "TradAI strategy service",
        ));
    layered(api, options)
}
