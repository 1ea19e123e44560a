//! Load shedding: at most `max_in_flight` requests are served at once; one more is answered at once with 429
//! and `Retry-After` instead of queueing without bound (queued requests hold memory and time out anyway).
//! Health is never shed, so the load balancer does not replace a busy task.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::ApiError;

/// Seconds a shed caller is asked to wait.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// Paths never shed.
const EXEMPT: [&str; 1] = ["/api/v1/health"];

/// The in-flight permits of one service.
#[derive(Debug, Clone)]
pub struct Limit(Arc<Semaphore>);

impl Limit {
    /// At most `max_in_flight` requests at once.
    pub fn new(max_in_flight: usize) -> Self {
        Limit(Arc::new(Semaphore::new(max_in_flight.max(1))))
    }
}

/// Serve `request` holding a permit, or answer 429 when none is free.
pub async fn shed(State(limit): State<Limit>, request: Request, next: Next) -> Response {
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    match limit.0.clone().try_acquire_owned() {
        Ok(_permit) => next.run(request).await,
        Err(_) => {
            tracing::warn!(path = %request.uri().path(), "request shed: the service is at its concurrency limit");
            let mut response = ApiError::overloaded(RETRY_AFTER_SECONDS).into_response();
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_request_beyond_the_limit_is_a_429_while_health_still_answers() {
        let (entered, mut wait) = tokio::sync::mpsc::channel::<()>(1);
        let release = Arc::new(tokio::sync::Notify::new());
        let hold = release.clone();
        let app = axum::Router::new()
            .route(
                "/slow",
                get(move || {
                    let (entered, hold) = (entered.clone(), hold.clone());
                    async move {
                        let _ = entered.send(()).await;
                        hold.notified().await;
                        "done"
                    }
                }),
            )
            .route("/api/v1/health", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(Limit::new(1), shed));
        let request = |path: &str| Request::get(path).body(Body::empty()).expect("request");
        let first = tokio::spawn(app.clone().oneshot(request("/slow")));
        wait.recv()
            .await
            .expect("the first request holds the only permit");
        let shed = app.clone().oneshot(request("/slow")).await.expect("answer");
        assert_eq!(shed.status(), 429);
        assert_eq!(shed.headers()[RETRY_AFTER], "1");
        let health = app
            .clone()
            .oneshot(request("/api/v1/health"))
            .await
            .expect("answer");
        assert_eq!(health.status(), 200, "health is never shed");
        release.notify_one();
        let first = tokio::time::timeout(Duration::from_secs(5), first)
            .await
            .expect("finishes")
            .expect("joined")
            .expect("answer");
        assert_eq!(first.status(), 200);
        let again = app
            .oneshot(request("/api/v1/health"))
            .await
            .expect("answer");
        assert_eq!(again.status(), 200);
    }
}
