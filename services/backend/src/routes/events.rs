//! `GET /api/v1/backtests/{job_id}/events`: server-sent events of a job's status (decision S8). The job row is
//! the source of truth (the consumer, workflow and runner change it from other processes), so the stream polls
//! it and sends an event whenever the status changes, starting with the current one, until a terminal status.
//! A caller holds at most `streams::PER_CALLER` streams at once (429 beyond), and a stream ends with a
//! `timeout` event after `streams::LIFETIME` (the client reconnects). A store error ends the stream with an
//! `error` event that names no internal detail (the cause is logged).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tradai_domain::status::Lifecycle;
use tradai_domain::JobStatus;
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::{streams, ApiError};

use crate::view::JobView;
use crate::AppState;

/// How often the job row is read.
pub const POLL: Duration = Duration::from_millis(500);

/// Status changes of one job as `status` events carrying the job.
#[utoipa::path(get, path = "/api/v1/backtests/{job_id}/events", tag = "backtests", params(("job_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "text/event-stream of `status` events, each a JobView; a `timeout` event ends a stream open for an hour"), (status = 404, body = ApiError), (status = 429, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn events(
    State(state): State<AppState>,
    Authorized(principal, _): Authorized<need::Read>,
    Path(job_id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let slot = state.streams.open(&principal.subject)?;
    let deadline = tokio::time::Instant::now() + streams::LIFETIME;
    if state
        .jobs
        .get(&job_id)
        .await
        .map_err(ApiError::from)?
        .is_none()
    {
        return Err(ApiError::not_found("Backtest job", &job_id));
    }
    // (state, job id, last status sent, finished, first poll, the caller's slot held while the stream lives)
    let seed = (state, job_id, None::<JobStatus>, false, true, slot);
    let stream = futures::stream::unfold(
        seed,
        move |(state, job_id, last, finished, first, slot)| async move {
            if finished {
                return None;
            }
            let mut first = first;
            loop {
                if !first {
                    tokio::time::sleep(POLL).await;
                }
                first = false;
                if tokio::time::Instant::now() >= deadline {
                    let event = Event::default()
                        .event("timeout")
                        .data("reconnect to follow the job");
                    return Some((Ok(event), (state, job_id, last, true, false, slot)));
                }
                let job = match state.jobs.get(&job_id).await {
                    Ok(Some(job)) => job,
                    Ok(None) => return None,
                    Err(error) => {
                        tracing::warn!(%error, job = %job_id, "event stream: the job cannot be read");
                        let event = Event::default()
                            .event("error")
                            .data("the job cannot be read now; reconnect later");
                        return Some((Ok(event), (state, job_id, last, true, false, slot)));
                    }
                };
                if last != Some(job.status) {
                    let data = serde_json::to_string(&JobView::from(&job)).unwrap_or_default();
                    let event = Event::default().event("status").data(data);
                    let done = job.status.is_terminal();
                    return Some((
                        Ok(event),
                        (state, job_id, Some(job.status), done, false, slot),
                    ));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
