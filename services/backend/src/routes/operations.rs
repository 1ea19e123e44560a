//! Operations (reference §7.1): start a strategy's live or dry-run trading container on ECS, list its running
//! instances, stop one. Instances are ECS tasks tagged `strategy_id=<name>` (how the orphan scanner maps them).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tradai_domain::ports::{LogQuery, TaskFilter, TaskInfo, TaskRequest};
use tradai_domain::DomainError;
use tradai_service_kit::auth::{need, Authorized, Permission};
use tradai_service_kit::{fields, ApiError, JsonBody, QueryParams, ValidationCode};
use utoipa::ToSchema;

use crate::AppState;

/// Who starts these tasks (the ECS `startedBy`).
pub const STARTED_BY: &str = tradai_domain::ports::BACKEND_STARTED_BY;

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

/// `value` of `field`: 1 to 64 ASCII letters, digits, `-` or `_` (a strategy name, a config version id).
fn plain_id(field: &str, value: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            ValidationCode::OutOfRange,
            field,
            value,
            "1 to 64 letters, digits, - or _",
        ))
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    plain_id("name", name)
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
    request_body = RunStrategy, responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 202, body = Instance), (status = 400, body = ApiError)),
    security(("cognito" = ["trading.dry-run"])))]
pub async fn run(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<need::DryRunTrading>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<RunStrategy>,
) -> Result<(StatusCode, Json<Instance>), ApiError> {
    check_name(&name)?;
    if let Some(version) = &body.config_version_id {
        plain_id("config_version_id", version)?;
    }
    let mode = body.mode.as_deref().unwrap_or("dry-run");
    let (family, container) = match mode {
        "live" => {
            principal.require(Permission::LiveTrading)?;
            &state.operations.live
        }
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
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = [Instance])), security(("cognito" = ["read"])))]
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(name): Path<String>,
) -> Result<Json<Vec<Instance>>, ApiError> {
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
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = Instance), (status = 404, body = ApiError)), security(("cognito" = ["trading.dry-run"])))]
pub async fn stop(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<need::DryRunTrading>,
    Path((name, instance_id)): Path<(String, String)>,
) -> Result<Json<Instance>, ApiError> {
    check_name(&name)?;
    let task = instances(&state, &name)
        .await?
        .into_iter()
        .find(|t| t.task_arn.rsplit('/').next() == Some(instance_id.as_str()))
        .ok_or_else(|| {
            ApiError::not_found("Strategy instance", &format!("{name}/{instance_id}"))
        })?;
    if instance(&task).mode == "live" {
        principal.require(Permission::LiveTrading)?;
    }
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

/// Paging of an instance's logs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogsQuery {
    /// Only lines at or after this ISO 8601 time.
    pub since: Option<String>,
    /// Lines per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub next: Option<String>,
}

/// One log line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogLine {
    /// ISO 8601 UTC.
    pub timestamp: String,
    pub message: String,
}

/// A page of an instance's container log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstanceLogs {
    pub instance_id: String,
    pub log_group: String,
    pub log_stream: String,
    pub lines: Vec<LogLine>,
    /// Pass as `next` for the following page; absent at the end of the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The CloudWatch log of one instance, oldest line first. A running instance is looked up among the
/// strategy's tasks; a stopped one by its stream in either trading mode.
#[utoipa::path(get, path = "/api/v1/strategies/{name}/instances/{instance_id}/logs", tag = "operations",
    params(("name" = String, Path), ("instance_id" = String, Path),
           ("since" = Option<String>, Query, description = "ISO 8601; only lines at or after it"),
           ("limit" = Option<usize>, Query, description = "1 to 1000, default 100"),
           ("next" = Option<String>, Query, description = "the previous page's next")),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = InstanceLogs), (status = 400, body = ApiError), (status = 404, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn logs(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path((name, instance_id)): Path<(String, String)>,
    QueryParams(query): QueryParams<LogsQuery>,
) -> Result<Json<InstanceLogs>, ApiError> {
    check_name(&name)?;
    if instance_id.is_empty()
        || instance_id.len() > 64
        || !instance_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "instance_id",
            &instance_id,
            "an ECS task id (letters and digits)",
        ));
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "limit",
            limit,
            "1 to 1000",
        ));
    }
    let since = query
        .since
        .as_deref()
        .map(|s| fields::instant("since", s))
        .transpose()?;
    let operations = &state.operations;
    let running = instances(&state, &name)
        .await?
        .into_iter()
        .find(|t| t.task_arn.rsplit('/').next() == Some(instance_id.as_str()));
    let mode = running
        .as_ref()
        .and_then(|t| t.tags.get("trading_mode").cloned());
    let request = LogQuery {
        since,
        limit,
        next: query.next.clone(),
    };
    for (stream_mode, prefix) in &operations.log_streams {
        if mode.as_deref().is_some_and(|m| m != *stream_mode) {
            continue;
        }
        let stream = format!("{prefix}/{instance_id}");
        match operations
            .logs
            .read(&operations.log_group, &stream, &request)
            .await
        {
            Ok(page) => {
                return Ok(Json(InstanceLogs {
                    instance_id,
                    log_group: operations.log_group.clone(),
                    log_stream: stream,
                    lines: page
                        .events
                        .into_iter()
                        .map(|e| LogLine {
                            timestamp: iso(e.timestamp),
                            message: e.message,
                        })
                        .collect(),
                    next: page.next,
                }))
            }
            Err(DomainError::NotFound { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::not_found(
        "Strategy instance log",
        &format!("{name}/{instance_id}"),
    ))
}

fn iso(millis: i64) -> String {
    tradai_domain::entities::Timestamp::from_millis(millis)
        .datetime()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
