//! Operations: a strategy's trading containers on ECS (the in-memory task runner).

use axum::http::StatusCode;
use serde_json::json;
use tradai_domain::ports::{TaskFilter, TaskRunner};

use crate::harness::Backend;

#[tokio::test]
async fn run_list_and_stop_a_strategys_instances() {
    let backend = Backend::start(false).await;
    let started = backend
        .call(
            "POST",
            "/api/v1/strategies/sma-crossover/run",
            Some(&backend.user),
            &[],
            Some(json!({"mode": "dry-run"})),
        )
        .await;
    assert_eq!(
        (started.status, started.body["mode"].as_str()),
        (StatusCode::ACCEPTED, Some("dry-run")),
        "{}",
        started.body
    );
    let id = started.body["id"].as_str().expect("id").to_owned();
    let tasks = backend.tasks.as_ref().expect("memory tasks");
    let running = tasks.list(&TaskFilter::default()).await.expect("list");
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].tags["strategy_id"], "sma-crossover");
    backend
        .call(
            "POST",
            "/api/v1/strategies/rsi/run",
            Some(&backend.user),
            &[],
            Some(json!({"mode": "live"})),
        )
        .await;
    let listed = backend
        .get(
            "/api/v1/strategies/sma-crossover/instances",
            &backend.reader,
        )
        .await;
    assert_eq!(
        listed.body.as_array().map(Vec::len),
        Some(1),
        "only this strategy's instances"
    );
    let foreign = backend
        .post(
            &format!("/api/v1/strategies/rsi/instances/{id}/stop"),
            &backend.user,
        )
        .await;
    assert_eq!(
        foreign.status,
        StatusCode::NOT_FOUND,
        "an instance of another strategy"
    );
    let stopped = backend
        .post(
            &format!("/api/v1/strategies/sma-crossover/instances/{id}/stop"),
            &backend.user,
        )
        .await;
    assert_eq!(
        (stopped.status, stopped.body["status"].as_str()),
        (StatusCode::OK, Some("STOPPING"))
    );
    let after = backend
        .get(
            "/api/v1/strategies/sma-crossover/instances",
            &backend.reader,
        )
        .await;
    assert_eq!(after.body.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn bad_operations_are_refused() {
    let backend = Backend::start(false).await;
    let mode = backend
        .call(
            "POST",
            "/api/v1/strategies/s/run",
            Some(&backend.user),
            &[],
            Some(json!({"mode": "yolo"})),
        )
        .await;
    assert_eq!(
        (mode.status, mode.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("mode"))
    );
    let name = backend
        .get("/api/v1/strategies/bad%20name/instances", &backend.reader)
        .await;
    assert_eq!(
        (name.status, name.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("name"))
    );
    let reader = backend
        .call(
            "POST",
            "/api/v1/strategies/s/run",
            Some(&backend.reader),
            &[],
            Some(json!({})),
        )
        .await;
    assert_eq!(reader.status, StatusCode::FORBIDDEN);
}
