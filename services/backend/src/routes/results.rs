//! `/api/v1/backtests/{job_id}/equity` and `/report-data`: the result document the runner writes to the
//! results bucket (decision S7: `backtests/<job_id>/result.json`, or the job's `result_key`).

use axum::extract::{Path, State};
use axum::Json;
use tradai_domain::entities::BacktestJob;
use tradai_domain::{DomainError, JobStatus};
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::ApiError;

use crate::view::status_text;
use crate::AppState;

/// Where the runner writes a job's result when the job names no other key.
pub fn result_key(job_id: &str) -> String {
    format!("backtests/{job_id}/result.json")
}

async fn result(state: &AppState, job_id: &str) -> Result<serde_json::Value, ApiError> {
    let job: BacktestJob = state
        .jobs
        .get(job_id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::not_found("Backtest job", job_id))?;
    if job.status != JobStatus::Completed {
        return Err(ApiError::conflict(
            format!(
                "backtest job '{job_id}' is {}; results exist once it is COMPLETED",
                status_text(job.status)
            ),
            serde_json::json!({"job_id": job_id, "status": status_text(job.status)}),
        ));
    }
    let key = job.result_key.clone().unwrap_or_else(|| result_key(job_id));
    let object = state.results.get(&key).await.map_err(|e| match e {
        DomainError::NotFound { .. } => ApiError::not_found("Backtest result", &key),
        other => ApiError::from(other),
    })?;
    serde_json::from_slice(&object.body).map_err(|e| {
        tracing::error!(%key, error = %e, "a stored result is not JSON");
        ApiError::internal()
    })
}

/// The equity curve of a completed job.
#[utoipa::path(get, path = "/api/v1/backtests/{job_id}/equity", tag = "backtests", params(("job_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "`{job_id, equity_curve}`"), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn equity(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(job_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let result = result(&state, &job_id).await?;
    Ok(Json(
        serde_json::json!({"job_id": job_id, "equity_curve": result["equity_curve"]}),
    ))
}

/// The whole result document of a completed job (metrics, equity curve, trades).
#[utoipa::path(get, path = "/api/v1/backtests/{job_id}/report-data", tag = "backtests", params(("job_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "the result document"), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn report_data(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(job_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(result(&state, &job_id).await?))
}
