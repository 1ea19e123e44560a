//! Routes the backend forwards to the strategy service (reference §7.1: strategy configs, promotion, model
//! versions and rollback; and hyperopt sweeps, so that one API base reaches them where no load balancer routes
//! `/api/v1/hyperopt*` to the strategy service itself, as the cloud's does). The backend refuses a caller who lacks the route's permission (the strategy service
//! requires the same one, which a test holds them to); the caller's token and correlation id travel with the
//! request, so the strategy service authorises the caller again itself. An unreachable service is a 503.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tradai_service_kit::auth::{Authenticated, Permission};
use tradai_service_kit::http::{body_limit, CONFIG_BODY_LIMIT};
use tradai_service_kit::{ApiError, RawBody};

use crate::AppState;

/// Every route the backend forwards to the strategy service, as `METHOD path`, with the permission it
/// requires (the strategy service's route declares the same): the router serves exactly these, and `tradai
/// infra check` counts them reachable wherever the backend is.
pub const FORWARDED: [(&str, Permission); 14] = [
    ("GET /api/v1/strategies", Permission::Read),
    ("POST /api/v1/strategies/validate", Permission::Read),
    ("POST /api/v1/strategies/merge", Permission::Read),
    ("GET /api/v1/strategies/{name}", Permission::Read),
    (
        "POST /api/v1/strategies/{name}/stage",
        Permission::PromoteModels,
    ),
    (
        "POST /api/v1/strategies/{name}/promote",
        Permission::PromoteModels,
    ),
    (
        "POST /api/v1/strategies/{name}/register",
        Permission::PromoteModels,
    ),
    ("GET /api/v1/models/{model_name}/versions", Permission::Read),
    (
        "GET /api/v1/models/{model_name}/rollback-candidates",
        Permission::Read,
    ),
    (
        "POST /api/v1/models/{model_name}/rollback",
        Permission::RollbackModels,
    ),
    ("POST /api/v1/hyperopt", Permission::SubmitBacktests),
    ("GET /api/v1/hyperopt", Permission::Read),
    ("GET /api/v1/hyperopt/{job_id}", Permission::Read),
    (
        "POST /api/v1/hyperopt/{job_id}/cancel",
        Permission::CancelBacktests,
    ),
];

/// `router` with a [`forward`] route for each of [`FORWARDED`], each requiring its permission.
pub fn routes(router: axum::Router<AppState>) -> axum::Router<AppState> {
    use axum::routing::{on, MethodFilter};
    FORWARDED.iter().fold(router, |router, &(route, needed)| {
        let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
        let filter = if method == "POST" {
            MethodFilter::POST
        } else {
            MethodFilter::GET
        };
        router.route(
            path,
            on(
                filter,
                move |state: State<AppState>,
                      Authenticated(principal): Authenticated,
                      method: Method,
                      uri: OriginalUri,
                      headers: HeaderMap,
                      RawBody(body): RawBody| async move {
                    principal.require(needed)?;
                    forward(state, method, uri, headers, body).await
                },
            )
            .route_layer(body_limit(CONFIG_BODY_LIMIT)),
        )
    })
}

/// The strategy service's base URL and an HTTP client.
#[derive(Debug, Clone)]
pub struct StrategyService {
    pub base_url: String,
    pub client: reqwest::Client,
}

impl StrategyService {
    /// The service at `base_url` (`http://strategy-service.tradai.local:8003`), with a bounded timeout.
    pub fn new(base_url: &str) -> Self {
        StrategyService {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client: tradai_discovery::client(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }
}

/// Forward the request to the same path of the strategy service and relay its answer.
async fn forward(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let service = &state.strategy_service;
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = service
        .client
        .request(method.clone(), format!("{}{path}", service.base_url))
        .body(body);
    for name in ["authorization", "x-correlation-id", "content-type"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.map_err(|e| {
        tracing::warn!(error = %e, "strategy service unreachable");
        ApiError::unavailable("strategy-service", &e.to_string())
    })?;
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answer.headers().get("content-type").cloned();
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| ApiError::unavailable("strategy-service", &e.to_string()))?;
    let mut response = (status, bytes).into_response();
    if let Some(content_type) = content_type {
        response.headers_mut().insert("content-type", content_type);
    }
    Ok(response)
}
