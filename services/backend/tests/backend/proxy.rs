//! Strategy, promotion and model routes are forwarded to the strategy service with the caller's token and
//! correlation id; an unreachable service is a 503 naming it.

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::json;

use crate::harness::Backend;

/// A stand-in strategy service on loopback that answers with what it received.
async fn echo_service() -> String {
    let app = axum::Router::new().fallback(
        |method: Method, uri: Uri, headers: HeaderMap, body: String| async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            axum::Json(json!({
                "method": method.as_str(),
                "path": uri.path(),
                "query": uri.query(),
                "authorized": header("authorization").is_some_and(|v| v.starts_with("Bearer ")),
                "correlation": header("x-correlation-id"),
                "body": body,
            }))
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn strategy_routes_reach_the_strategy_service() {
    let url = echo_service().await;
    let backend = Backend::start_with_strategy(false, &url).await;
    let list = backend
        .call(
            "GET",
            "/api/v1/strategies?tag=trend",
            Some(&backend.reader),
            &[("X-Correlation-ID", "c-1")],
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        (
            list.body["method"].as_str(),
            list.body["path"].as_str(),
            list.body["query"].as_str()
        ),
        (Some("GET"), Some("/api/v1/strategies"), Some("tag=trend"))
    );
    assert_eq!(
        (
            list.body["authorized"].as_bool(),
            list.body["correlation"].as_str()
        ),
        (Some(true), Some("c-1"))
    );
    let rollback = backend
        .call(
            "POST",
            "/api/v1/models/pascal/rollback",
            Some(&backend.user),
            &[],
            Some(json!({"target_version": "3"})),
        )
        .await;
    assert_eq!(rollback.body["path"], "/api/v1/models/pascal/rollback");
    assert_eq!(rollback.body["body"], r#"{"target_version":"3"}"#);
    let denied = backend
        .post("/api/v1/strategies/s/promote", &backend.reader)
        .await;
    assert_eq!(
        denied.status,
        StatusCode::FORBIDDEN,
        "promotion needs models.promote"
    );
}

#[tokio::test]
async fn an_unreachable_strategy_service_is_a_503() {
    let backend = Backend::start(false).await;
    let answer = backend
        .get("/api/v1/models/pascal/versions", &backend.reader)
        .await;
    assert_eq!(
        (
            answer.status,
            answer.body["code"].as_str(),
            answer.body["details"]["dependency"].as_str()
        ),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("UNAVAILABLE"),
            Some("strategy-service")
        )
    );
}
