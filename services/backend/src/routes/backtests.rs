//! `/api/v1/backtests`: submit, list, get, cancel.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tradai_domain::entities::{BacktestJob, JobError, Timestamp};
use tradai_domain::ports::{JobUpdate, Transition};
use tradai_domain::status::Lifecycle;
use tradai_domain::JobStatus;
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::{ApiError, QueryParams, RawBody, ValidationCode};

use crate::idempotency::{body_hash, check_key, create_claimed, scoped, Claim};
use crate::request::SubmitBacktest;
use crate::view::status_text;
use crate::view::{JobPage, JobView};
use crate::AppState;

fn accepted(job: &BacktestJob, replayed: bool) -> Response {
    let mut response = (StatusCode::ACCEPTED, Json(JobView::from(job))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/backtests/{}", job.job_id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

async fn find(state: &AppState, job_id: &str) -> Result<BacktestJob, ApiError> {
    state
        .jobs
        .get(job_id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::not_found("Backtest job", job_id))
}

/// The job an earlier request with the same key created (the transaction created it with the claim; only its
/// expiry removes it).
async fn replayed(state: &AppState, job_id: &str) -> Result<BacktestJob, ApiError> {
    state
        .jobs
        .get(job_id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| {
            ApiError::conflict(
                "the job this Idempotency-Key created no longer exists; use a new key",
                serde_json::json!({"job_id": job_id}),
            )
        })
}

/// Submit a backtest: validated, stored PENDING with a job id and a trace id, handed to the executor.
#[utoipa::path(post, path = "/api/v1/backtests", tag = "backtests", request_body = SubmitBacktest,
    params(("Idempotency-Key" = Option<String>, Header, description = "same key and body return the same job")),
    responses((status = 413, body = ApiError), (status = 202, body = JobView), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 409, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["backtests.submit"])))]
pub async fn submit(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<need::SubmitBacktests>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let request: SubmitBacktest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::validation(
            ValidationCode::ConfigFormat,
            "body",
            e.to_string(),
            "a JSON backtest request",
        )
    })?;
    let config = request.into_config()?;
    let now = Timestamp::now();
    let mut job = BacktestJob::new(config, now);
    if let Some(trace) = headers
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
    {
        job.trace_id = trace.to_owned();
    }
    match headers.get("idempotency-key") {
        Some(key) => {
            let key = key.to_str().map_err(|_| {
                ApiError::validation(
                    ValidationCode::OutOfRange,
                    "Idempotency-Key",
                    "(not ASCII)",
                    "visible ASCII characters",
                )
            })?;
            check_key(key)?;
            let key = scoped(&principal.subject, key);
            let hash = body_hash(&body);
            let claim = create_claimed(
                &state.transactions,
                &state.idempotency,
                &key,
                &hash,
                &job,
                now,
            );
            if let Claim::Existing(job_id) = claim.await? {
                return Ok(accepted(&replayed(&state, &job_id).await?, true));
            }
        }
        None => state.jobs.create(&job).await.map_err(ApiError::from)?,
    }
    match state.executor.submit(&job).await {
        Ok(update) if update != JobUpdate::default() => {
            if let Ok(Transition::Applied(updated)) = state
                .jobs
                .transition(&job.job_id, JobStatus::Pending, update, Timestamp::now())
                .await
            {
                job = *updated;
            }
        }
        Ok(_) => {}
        Err(error) => {
            let cause = error.to_string();
            tracing::warn!(job_id = %job.job_id, %cause, "the executor refused the job");
            let update = JobUpdate {
                completed_at: Some(Timestamp::now()),
                error: Some(JobError {
                    error: "SubmitFailed".into(),
                    cause: format!(
                        "{} could not accept the job; trace {} finds the cause in the backend's log",
                        state.executor.name(),
                        job.trace_id
                    ),
                }),
                ..JobUpdate::default()
            };
            let _ = state
                .jobs
                .transition(&job.job_id, JobStatus::Failed, update, Timestamp::now())
                .await;
            return Err(ApiError::unavailable(state.executor.name(), &cause));
        }
    }
    tracing::info!(job_id = %job.job_id, trace_id = %job.trace_id, executor = state.executor.name(), "backtest submitted");
    Ok(accepted(&job, false))
}

/// Query of the list route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// PENDING, RUNNING, COMPLETED, FAILED or CANCELLED; all when absent.
    pub status: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page (only with `status`).
    pub cursor: Option<String>,
}

/// Jobs, newest first, optionally of one status, a page at a time.
#[utoipa::path(get, path = "/api/v1/backtests", tag = "backtests", params(ListQuery),
    responses((status = 200, body = JobPage), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<JobPage>, ApiError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "limit",
            limit,
            "1 to 100",
        ));
    }
    let statuses: Vec<JobStatus> = match &query.status {
        Some(text) => vec![text.to_lowercase().parse::<JobStatus>().map_err(|_| {
            ApiError::validation(
                ValidationCode::OutOfRange,
                "status",
                text,
                "PENDING, RUNNING, COMPLETED, FAILED or CANCELLED",
            )
        })?],
        None if query.cursor.is_some() => {
            return Err(ApiError::validation(
                ValidationCode::MissingField,
                "status",
                serde_json::Value::Null,
                "a status when paging with cursor",
            ))
        }
        None => JobStatus::ALL.to_vec(),
    };
    let mut items = Vec::new();
    let mut next_cursor = None;
    for status in &statuses {
        let after = query
            .cursor
            .as_deref()
            .map(|c| crate::cursor::open(status.as_str(), c))
            .transpose()?;
        let page = state
            .jobs
            .list_by_status(*status, limit, after.as_deref())
            .await
            .map_err(ApiError::from)?;
        if statuses.len() == 1 {
            next_cursor = page
                .next
                .map(|position| crate::cursor::seal(status.as_str(), &position));
        }
        items.extend(page.items);
    }
    items.sort_by_key(|job| std::cmp::Reverse(job.created_at));
    items.truncate(limit);
    Ok(Json(JobPage {
        items: items.iter().map(JobView::from).collect(),
        next_cursor,
    }))
}

/// One job's status.
#[utoipa::path(get, path = "/api/v1/backtests/{job_id}", tag = "backtests", params(("job_id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn get_job(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(job_id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(JobView::from(&find(&state, &job_id).await?)))
}

/// Cancel a PENDING or RUNNING job (a guarded write: a finished job is a 409).
#[utoipa::path(post, path = "/api/v1/backtests/{job_id}/cancel", tag = "backtests", params(("job_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = JobView), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["backtests.cancel"])))]
pub async fn cancel(
    State(state): State<AppState>,
    _: Authorized<need::CancelBacktests>,
    Path(job_id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = find(&state, &job_id).await?;
    if job.status == JobStatus::Cancelled {
        // Cancelling twice is a no-op, not an error.
        return Ok(Json(JobView::from(&job)));
    }
    let update = JobUpdate {
        completed_at: Some(Timestamp::now()),
        ..JobUpdate::default()
    };
    match state
        .jobs
        .transition(&job_id, JobStatus::Cancelled, update, Timestamp::now())
        .await
        .map_err(ApiError::from)?
    {
        Transition::Applied(job) => {
            if let Err(error) = state.executor.cancel(&job).await {
                tracing::warn!(%job_id, %error, "the job is cancelled but stopping its execution failed");
            }
            Ok(Json(JobView::from(job.as_ref())))
        }
        // A concurrent cancel got there first: the same no-op as above.
        Transition::Repeated(job) => Ok(Json(JobView::from(job.as_ref()))),
        Transition::Stale { current } => Err(ApiError::conflict(
            format!(
                "backtest job '{job_id}' is {}; only PENDING or RUNNING jobs can be cancelled",
                current.as_str()
            ),
            serde_json::json!({"job_id": job_id, "status": status_text(current)}),
        )),
    }
}
