//! `/api/v1/hyperopt`: start a sweep, list sweeps, one sweep with its progress, cancel (reference §7.2; the
//! fourth route, cancel, is ours: decision H7).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::{ApiError, QueryParams, RawBody, ValidationCode};

use crate::sweeps::{request, SweepPage, SweepRecord, SweepStatus, SweepView};
use crate::AppState;

/// Start a sweep of a stored strategy over its search space (or the one given): 202 with the job, its
/// progress at `Location`.
#[utoipa::path(post, path = "/api/v1/hyperopt", tag = "hyperopt", request_body = request::StartSweep,
    responses((status = 202, body = SweepRecord), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, body = ApiError), (status = 413, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["backtests.submit"])))]
pub async fn start(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<need::SubmitBacktests>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let request = request::parse(&body)?;
    let stored = crate::configs::load(&state, request.strategy_name()?).await?;
    let sweep = request.into_sweep(stored)?;
    let trace = headers
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let record = state.sweeps.start(sweep, &principal.subject, trace).await?;
    let mut response = (StatusCode::ACCEPTED, Json(record.clone())).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/hyperopt/{}", record.job_id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Query of the list route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// RUNNING, COMPLETED, FAILED or CANCELLED; all when absent.
    pub status: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<usize>,
}

/// Sweep jobs, newest first.
#[utoipa::path(get, path = "/api/v1/hyperopt", tag = "hyperopt", params(ListQuery),
    responses((status = 200, body = SweepPage), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<SweepPage>, ApiError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "limit",
            limit,
            "1 to 100",
        ));
    }
    let status = match &query.status {
        None => None,
        Some(text) => Some(
            serde_json::from_value::<SweepStatus>(text.to_uppercase().into()).map_err(|_| {
                ApiError::validation(
                    ValidationCode::OutOfRange,
                    "status",
                    text,
                    "RUNNING, COMPLETED, FAILED or CANCELLED",
                )
            })?,
        ),
    };
    Ok(Json(SweepPage {
        items: state.sweeps.list(limit, status).await?,
    }))
}

/// One sweep: its status, trials done of those asked for, the best so far with its parameters, and the
/// trial table.
#[utoipa::path(get, path = "/api/v1/hyperopt/{job_id}", tag = "hyperopt", params(("job_id" = String, Path)),
    responses((status = 200, body = SweepView), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn get(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(job_id): Path<String>,
) -> Result<Json<SweepView>, ApiError> {
    Ok(Json(state.sweeps.view(&job_id).await?))
}

/// Stop a running sweep; the trials that finished are kept (409 once it has ended).
#[utoipa::path(post, path = "/api/v1/hyperopt/{job_id}/cancel", tag = "hyperopt", params(("job_id" = String, Path)),
    responses((status = 200, body = SweepRecord), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 503, body = ApiError)),
    security(("cognito" = ["backtests.cancel"])))]
pub async fn cancel(
    State(state): State<AppState>,
    _: Authorized<need::CancelBacktests>,
    Path(job_id): Path<String>,
) -> Result<Json<SweepRecord>, ApiError> {
    Ok(Json(state.sweeps.cancel(&job_id).await?))
}
