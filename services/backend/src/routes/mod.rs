//! The router: public health and docs, authenticated backtest routes, behind the common layers.

pub(crate) mod backtests;
mod configs;
mod events;
pub(crate) mod operations;
pub mod proxy;
pub(crate) mod results;

use axum::routing::{get, post};
use axum::Router;
use tradai_service_kit::docs::BearerAuth;
use tradai_service_kit::http::{body_limit, layered, HttpOptions, CONFIG_BODY_LIMIT};
use utoipa::OpenApi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "TradAI backend", version = "0.1.0", description = "Backtests and operations (reference §7.1)"),
    paths(backtests::submit, backtests::list, backtests::get_job, backtests::cancel, results::equity, results::report_data, events::events, operations::run, operations::list, operations::stop, operations::logs,
        configs::create, configs::list, configs::show, configs::activate, configs::deprecate, health),
    components(schemas(crate::request::SubmitBacktest, crate::view::JobView, crate::view::JobPage,
        configs::CreateConfig, configs::ConfigView, operations::RunStrategy, operations::Instance, operations::InstanceLogs, operations::LogLine, tradai_service_kit::ApiError)),
    modifiers(&BearerAuth),
)]
struct Api;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

/// The job table answers a query.
struct JobTable(tradai_domain::ports::JobRepository);

#[async_trait::async_trait]
impl tradai_service_kit::health::HealthCheck for JobTable {
    fn name(&self) -> &str {
        "workflow-state"
    }
    async fn check(&self) -> Result<(), String> {
        self.0
            .list_by_status(tradai_domain::JobStatus::Pending, 1, None)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Service health with its dependency map.
#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses((status = 200, description = "every dependency answers"), (status = 503, description = "a dependency does not")))]
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> tradai_service_kit::health::HealthReport {
    let checks: Vec<std::sync::Arc<dyn tradai_service_kit::health::HealthCheck>> =
        vec![std::sync::Arc::new(JobTable(state.jobs.clone()))];
    tradai_service_kit::health::standard(state.service, &checks).await
}

/// The backend's router with `state`, behind the common layers.
pub fn router(state: AppState, options: &HttpOptions) -> Router {
    let api = proxy::routes(Router::new())
        .route("/api/v1/health", get(health))
        .route(
            "/api/v1/backtests",
            post(backtests::submit).get(backtests::list),
        )
        .route("/api/v1/backtests/{job_id}", get(backtests::get_job))
        .route("/api/v1/backtests/{job_id}/cancel", post(backtests::cancel))
        .route("/api/v1/backtests/{job_id}/equity", get(results::equity))
        .route("/api/v1/backtests/{job_id}/events", get(events::events))
        .route(
            "/api/v1/backtests/{job_id}/report-data",
            get(results::report_data),
        )
        .route("/api/v1/strategies/{name}/run", post(operations::run))
        .route("/api/v1/strategies/{name}/instances", get(operations::list))
        .route(
            "/api/v1/strategies/{name}/instances/{instance_id}/stop",
            post(operations::stop),
        )
        .route(
            "/api/v1/strategies/{name}/instances/{instance_id}/logs",
            get(operations::logs),
        )
        .route(
            "/api/v1/configs",
            post(configs::create).route_layer(body_limit(CONFIG_BODY_LIMIT)),
        )
        .route("/api/v1/configs/{strategy}", get(configs::list))
        .route("/api/v1/configs/{strategy}/{config_id}", get(configs::show))
        .route(
            "/api/v1/configs/{strategy}/{config_id}/activate",
            post(configs::activate),
        )
        .route(
            "/api/v1/configs/{strategy}/{config_id}/deprecate",
            post(configs::deprecate),
        )
        .with_state(state)
        .merge(tradai_service_kit::docs::routes(
            openapi(),
            "TradAI backend",
        ));
    layered(api, options)
}
