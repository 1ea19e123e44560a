//! Model registry routes (reference §7.2): MLflow model and experiment lookups, model versions, rollback
//! candidates and rollback, and a strategy's stage / promote / register. The strategy's name is its model's
//! name in the registry (decision S14); the rules live in `tradai_domain::promotion`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tradai_domain::entities::ModelVersion;
use tradai_domain::ports::{Experiment, NewVersion, RegisteredModel};
use tradai_domain::promotion::{self, Promotion, Rollback};
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::{ApiError, JsonBody, QueryParams, ValidationCode};
use utoipa::ToSchema;

use crate::AppState;

/// Runs an experiment lookup returns by default, and at most.
const DEFAULT_RUNS: usize = 50;
const MAX_RUNS: usize = 1000;

/// A model's versions, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Versions {
    pub model_name: String,
    #[schema(value_type = Vec<Object>)]
    pub versions: Vec<ModelVersion>,
}

/// Which version to stage.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    pub version: String,
}

/// Which version to promote (default: the newest Staging version) or restore (default: the newest archived).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionChoice {
    #[serde(default)]
    pub version: Option<String>,
}

/// A version to register from a backtest's run.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub run_id: String,
    /// Artifact location; default `runs:/<run_id>/model`.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// Paging of an experiment's runs.
#[derive(Debug, Clone, Deserialize)]
pub struct RunsQuery {
    /// Runs to return, newest first (1–1000, default 50).
    pub max_runs: Option<usize>,
}

/// A registered model with its newest version per stage.
#[utoipa::path(get, path = "/api/v1/mlflow/models/{model_name}", tag = "mlflow", params(("model_name" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "the model", body = Object), (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn model(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(name): Path<String>,
) -> Result<Json<RegisteredModel>, ApiError> {
    Ok(Json(state.registry.model(&name).await?))
}

/// An experiment and its newest runs with their metrics.
#[utoipa::path(get, path = "/api/v1/mlflow/experiments/{experiment_id}", tag = "mlflow",
    params(("experiment_id" = String, Path),
        ("max_runs" = Option<usize>, Query, description = "runs to return, newest first (1–1000, default 50)")),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "the experiment", body = Object), (status = 400, body = ApiError), (status = 404, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn experiment(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<RunsQuery>,
) -> Result<Json<Experiment>, ApiError> {
    let max_runs = query.max_runs.unwrap_or(DEFAULT_RUNS);
    if !(1..=MAX_RUNS).contains(&max_runs) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "max_runs",
            max_runs,
            "1 to 1000",
        ));
    }
    Ok(Json(state.registry.experiment(&id, max_runs).await?))
}

/// Every version of a model, newest first.
#[utoipa::path(get, path = "/api/v1/models/{model_name}/versions", tag = "models", params(("model_name" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = Versions), (status = 404, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn versions(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(name): Path<String>,
) -> Result<Json<Versions>, ApiError> {
    let versions = state.registry.versions(&name).await?;
    Ok(Json(Versions {
        model_name: name,
        versions,
    }))
}

/// Archived versions a rollback may restore, newest first.
#[utoipa::path(get, path = "/api/v1/models/{model_name}/rollback-candidates", tag = "models", params(("model_name" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = Versions), (status = 404, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn rollback_candidates(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(name): Path<String>,
) -> Result<Json<Versions>, ApiError> {
    let versions = promotion::rollback_candidates(state.registry.as_ref(), &name).await?;
    Ok(Json(Versions {
        model_name: name,
        versions,
    }))
}

/// Restore an archived version to Production and archive the current one.
#[utoipa::path(post, path = "/api/v1/models/{model_name}/rollback", tag = "models", params(("model_name" = String, Path)),
    request_body = VersionChoice,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "rolled back", body = Object), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["models.rollback"])))]
pub async fn rollback(
    State(state): State<AppState>,
    _: Authorized<need::RollbackModels>,
    Path(name): Path<String>,
    JsonBody(choice): JsonBody<VersionChoice>,
) -> Result<Json<Rollback>, ApiError> {
    let outcome =
        promotion::rollback(state.registry.as_ref(), &name, choice.version.as_deref()).await?;
    tracing::info!(model = %name, from = %outcome.from_version, to = %outcome.to_version, "model rolled back");
    Ok(Json(outcome))
}

/// Move a version of the strategy's model to Staging.
#[utoipa::path(post, path = "/api/v1/strategies/{name}/stage", tag = "promotion", params(("name" = String, Path)),
    request_body = StageRequest,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "staged", body = Object), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["models.promote"])))]
pub async fn stage(
    State(state): State<AppState>,
    _: Authorized<need::PromoteModels>,
    Path(name): Path<String>,
    JsonBody(request): JsonBody<StageRequest>,
) -> Result<Json<ModelVersion>, ApiError> {
    Ok(Json(
        promotion::stage(state.registry.as_ref(), &name, &request.version).await?,
    ))
}

/// Promote a version of the strategy's model to Production, archiving the previous one.
#[utoipa::path(post, path = "/api/v1/strategies/{name}/promote", tag = "promotion", params(("name" = String, Path)),
    request_body = VersionChoice,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "promoted", body = Object), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["models.promote"])))]
pub async fn promote(
    State(state): State<AppState>,
    _: Authorized<need::PromoteModels>,
    Path(name): Path<String>,
    JsonBody(choice): JsonBody<VersionChoice>,
) -> Result<Json<Promotion>, ApiError> {
    let outcome =
        promotion::promote(state.registry.as_ref(), &name, choice.version.as_deref()).await?;
    tracing::info!(model = %name, version = %outcome.promoted.version, "model promoted");
    Ok(Json(outcome))
}

/// Register a new version of the strategy's model from a backtest's run (stage `None`).
#[utoipa::path(post, path = "/api/v1/strategies/{name}/register", tag = "promotion", params(("name" = String, Path)),
    request_body = RegisterRequest,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 201, description = "registered", body = Object), (status = 400, body = ApiError), (status = 404, body = ApiError)),
    security(("cognito" = ["models.promote"])))]
pub async fn register(
    State(state): State<AppState>,
    _: Authorized<need::PromoteModels>,
    Path(name): Path<String>,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<ModelVersion>), ApiError> {
    let run_id = request.run_id.trim();
    if run_id.is_empty()
        || !run_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::validation(
            ValidationCode::ConfigFormat,
            "run_id",
            &request.run_id,
            "an MLflow run id (letters, digits and '-')",
        ));
    }
    let version = state
        .registry
        .register(NewVersion {
            model_name: name,
            source: request
                .source
                .unwrap_or_else(|| format!("runs:/{run_id}/model")),
            run_id: Some(run_id.to_owned()),
            tags: request.tags,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(version)))
}
