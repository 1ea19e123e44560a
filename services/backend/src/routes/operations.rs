//! Operations (reference §7.1): start a strategy's live or dry-run trading container on ECS, list its running
//! instances, stop one. Instances are ECS tasks tagged `strategy_id=<name>` (how the orphan scanner maps them).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tradai_domain::ports::{TaskFilter, TaskInfo, TaskRequest};
use tradai_service_kit::auth::Authenticated;
use tradai_service_kit::{ApiError, JsonBody, ValidationCode};
use utoipa::ToSchema;

use crate::AppState;
use tradai_service_kit::auth::{READ_SCOPE, WRITE_SCOPE};

/// Who starts these tasks (the ECS `startedBy`).
pub const STARTED_BY: &str = "tradai-backend";

/// How to run a strategy.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunStrategy {
    /// `dry-run` (default, paper trading) or `live` (real orders).
    pub mode: Option<String>,
    /// Config version to run (else the strategy's ACTIVE one).
    pub config_version_id: Option<String>,
}

/// A running container of a strategy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Instance {
    /// The ECS task id (last part of its ARN).
    pub id: String,
    pub task_arn: String,
    pub status: String,
    /// `live` or `dry-run`.
    pub mode: String,
}

fn instance(task: &TaskInfo) -> Instance {
    Instance {
        id: task
            .task_arn
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        task_arn: task.task_arn.clone(),
        status: task.last_status.clone(),
        mode: task.tags.get("trading_mode").cloned().unwrap_or_default(),
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "name",
            name,
            "1 to 64 letters, digits, - or _",
        ))
    }
}

async fn instances(state: &AppState, name: &str) -> Result<Vec<TaskInfo>, ApiError> {
    state
        .operations
        .runner
        .list(&TaskFilter {
            tag: Some(("strategy_id".into(), name.to_owned())),
            started_by: None,
        })
        .await
        .map_err(ApiError::from)
}

/// Start a strategy's trading container.
#[utoipa::path(post, path = "/api/v1/strategies/{name}/run", tag = "operations", params(("name" = String, Path)),
    request_body = RunStrategy, responses((status = 202, body = Instance), (status = 400, body = ApiError)),
    security(("cognito" = [])))]
pub async fn run(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<RunStrategy>,
) -> Result<(StatusCode, Json<Instance>), ApiError> {
    principal.require_scope(WRITE_SCOPE)?;
    check_name(&name)?;
    let mode = body.mode.as_deref().unwrap_or("dry-run");
    let (family, container) = match mode {
        "live" => &state.operations.live,
        "dry-run" => &state.operations.dry_run,
        other => {
            return Err(ApiError::validation(
                ValidationCode::OutOfRange,
                "mode",
                other,
                "live or dry-run",
            ))
        }
    };
    let mut environment = BTreeMap::from([
        ("STRATEGY".to_owned(), name.clone()),
        ("TRADING_MODE".to_owned(), mode.replace('-', "_")),
    ]);
    if let Some(version) = body.config_version_id {
        environment.insert("CONFIG_VERSION_ID".into(), version);
    }
    let task = state
        .operations
        .runner
        .run(TaskRequest {
            task_definition: family.clone(),
            container: container.clone(),
            environment,
            tags: BTreeMap::from([
                ("strategy_id".to_owned(), name.clone()),
                ("trading_mode".to_owned(), mode.to_owned()),
            ]),
            started_by: STARTED_BY.into(),
        })
        .await
        .map_err(ApiError::from)?;
    tracing::info!(strategy = %name, mode, task = %task.task_arn, "strategy started");
    Ok((StatusCode::ACCEPTED, Json(instance(&task))))
}

/// A strategy's running instances.
#[utoipa::path(get, path = "/api/v1/strategies/{name}/instances", tag = "operations", params(("name" = String, Path)),
    responses((status = 200, body = [Instance])), security(("cognito" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path(name): Path<String>,
) -> Result<Json<Vec<Instance>>, ApiError> {
    principal.require_scope(READ_SCOPE)?;
    check_name(&name)?;
    Ok(Json(
        instances(&state, &name)
            .await?
            .iter()
            .map(instance)
            .collect(),
    ))
}

/// Stop one instance of a strategy (an instance of another strategy is a 404).
#[utoipa::path(post, path = "/api/v1/strategies/{name}/instances/{instance_id}/stop", tag = "operations",
    params(("name" = String, Path), ("instance_id" = String, Path)),
    responses((status = 200, body = Instance), (status = 404, body = ApiError)), security(("cognito" = [])))]
pub async fn stop(
    State(state): State<AppState>,
    Authenticated(principal): Authenticated,
    Path((name, instance_id)): Path<(String, String)>,
) -> Result<Json<Instance>, ApiError> {
    principal.require_scope(WRITE_SCOPE)?;
    check_name(&name)?;
    let task = instances(&state, &name)
        .await?
        .into_iter()
        .find(|t| t.task_arn.rsplit('/').next() == Some(instance_id.as_str()))
        .ok_or_else(|| {
            ApiError::not_found("Strategy instance", &format!("{name}/{instance_id}"))
        })?;
    state
        .operations
        .runner
        .stop(
            &task.task_arn,
            &format!("stopped through the API by {}", principal.subject),
        )
        .await
        .map_err(ApiError::from)?;
    let mut stopped = instance(&task);
    stopped.status = "STOPPING".into();
    Ok(Json(stopped))
}
