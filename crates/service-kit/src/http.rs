//! The layers every service runs behind (DESIGN §4): a correlation id read from or written to
//! `X-Correlation-ID` (a malformed one replaced; echoed on the response and in every JSON error body), a tracing span per request carrying it as `trace_id`,
//! a timeout, load shedding (429 beyond a number of requests in flight), CORS, compression, a body limit, and a JSON 404 for unknown paths.

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::ApiError;

/// The correlation header of reference §7 (every response carries it).
pub const CORRELATION_ID: &str = "x-correlation-id";

/// The largest request body a route accepts unless it sets its own ([`body_limit`]): 64 KiB, ample for every
/// backtest, sync or promotion request.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The body limit of routes that take a strategy config document (create a version, validate, merge): 256 KiB,
/// so the stored version stays well under DynamoDB's 400 KB item limit.
pub const CONFIG_BODY_LIMIT: usize = 256 * 1024;

/// A route layer limiting request bodies to `bytes` (a larger one is a 413 naming the limit).
pub fn body_limit(
    bytes: usize,
) -> tower::layer::util::Stack<
    axum::Extension<crate::body::BodyLimit>,
    tower::layer::util::Stack<axum::extract::DefaultBodyLimit, tower::layer::util::Identity>,
> {
    tower::ServiceBuilder::new()
        .layer(axum::extract::DefaultBodyLimit::max(bytes))
        .layer(axum::Extension(crate::body::BodyLimit(bytes)))
        .into_inner()
}

/// Options of the common layers.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Longest a request may take before a 504.
    pub timeout: Duration,
    /// Browser origins allowed by CORS; empty allows none.
    pub cors_origins: Vec<String>,
    /// Requests served at once; one more is shed with 429 (health is never shed).
    pub max_in_flight: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            cors_origins: vec!["http://localhost:3000".into()],
            max_in_flight: 256,
        }
    }
}

/// `router` behind the common layers, with a JSON 404 for unknown paths.
pub fn layered(router: Router, options: &HttpOptions) -> Router {
    let correlation = HeaderName::from_static(CORRELATION_ID);
    let origins: Vec<HeaderValue> = options
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            correlation.clone(),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([correlation.clone()]);
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let trace_id = request
            .headers()
            .get(CORRELATION_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), trace_id)
    });
    router
        .fallback(|| async { ApiError::not_found("route", "unknown path") })
        .layer(body_limit(DEFAULT_BODY_LIMIT))
        .layer(axum::middleware::from_fn(crate::correlation::into_errors))
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            options.timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            crate::shed::Limit::new(options.max_in_flight),
            crate::shed::shed,
        ))
        .layer(PropagateRequestIdLayer::new(correlation.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(correlation, MakeRequestUuid))
        .layer(axum::middleware::from_fn(crate::correlation::sanitise))
}
