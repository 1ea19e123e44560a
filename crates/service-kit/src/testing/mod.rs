//! For tests of services (feature `testing`): token claims, the loopback issuer, and calling a router.

use serde_json::{json, Value};

mod routes;
mod statuses;

pub use crate::issuer::{now, JwksServer, Key, CLIENT, ISSUER_PATH, MACHINE};
pub use routes::route_problems;

/// An administrator's access token from `issuer` (group `admin`: every permission), valid for an hour.
pub fn access_claims(issuer: &str) -> Value {
    role_claims(issuer, &["admin"])
}

/// The access token of a user in the groups (roles) `groups`, valid for an hour.
pub fn role_claims(issuer: &str, groups: &[&str]) -> Value {
    json!({"sub": "user-1", "username": "alice", "token_use": "access", "client_id": CLIENT,
           "cognito:groups": groups, "scope": "openid email", "iss": issuer, "exp": now() + 3600,
           "iat": now()})
}

/// A machine's (client-credentials) access token with `scope`.
pub fn machine_claims(issuer: &str, scope: &str) -> Value {
    json!({"sub": MACHINE, "token_use": "access", "client_id": MACHINE, "scope": scope,
           "iss": issuer, "exp": now() + 3600, "iat": now()})
}

/// An answer of a router under test: status, headers, JSON body (`null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: axum::http::StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// Call `router` with `method path`, an optional bearer `token`, extra `headers` and an optional JSON `body`.
pub async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    use tower::ServiceExt as _;
    let mut request = axum::http::Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header("Content-Type", "application/json");
            axum::body::Body::from(json.to_string())
        }
        None => axum::body::Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}
