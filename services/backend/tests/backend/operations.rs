//! Operations: a strategy's trading containers on ECS (the in-memory task runner).

use axum::http::StatusCode;
use serde_json::json;
use tradai_domain::ports::{LogEvent, TaskFilter, TaskRunner};

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
    let tasks = &backend.memory().tasks;
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

#[tokio::test]
async fn an_instances_log_pages_and_survives_the_stop() {
    let backend = Backend::start(false).await;
    let started = backend
        .call(
            "POST",
            "/api/v1/strategies/sma-crossover/run",
            Some(&backend.user),
            &[],
            Some(json!({"mode": "live"})),
        )
        .await;
    let id = started.body["id"].as_str().expect("id").to_owned();
    let logs = &backend.memory().logs;
    let stream = format!("services/live-trading/live-trading/{id}");
    logs.append(
        "/ecs/tradai/dev",
        &stream,
        (0..5).map(|i| LogEvent {
            timestamp: 1_767_225_600_000 + i * 1000,
            message: format!("tick {i}"),
        }),
    );
    let path = format!("/api/v1/strategies/sma-crossover/instances/{id}/logs");
    let first = backend
        .get(&format!("{path}?limit=3"), &backend.reader)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["log_stream"], stream);
    assert_eq!(
        first.body["lines"][0],
        json!({"timestamp": "2026-01-01T00:00:00.000Z", "message": "tick 0"})
    );
    let next = first.body["next"].as_str().expect("more lines").to_owned();
    let second = backend
        .get(&format!("{path}?limit=3&next={next}"), &backend.reader)
        .await;
    let messages: Vec<&str> = second.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["message"].as_str().expect("message"))
        .collect();
    assert_eq!(messages, ["tick 3", "tick 4"]);
    assert!(second.body.get("next").is_none(), "the end of the log");
    let recent = backend
        .get(
            &format!("{path}?since=2026-01-01T00:00:04Z"),
            &backend.reader,
        )
        .await;
    assert_eq!(recent.body["lines"].as_array().map(Vec::len), Some(1));

    backend
        .post(
            &format!("/api/v1/strategies/sma-crossover/instances/{id}/stop"),
            &backend.user,
        )
        .await;
    let after = backend.get(&path, &backend.reader).await;
    assert_eq!(
        after.body["lines"].as_array().map(Vec::len),
        Some(5),
        "a stopped instance's log stays readable"
    );

    for (query, status, code) in [
        (
            format!("/api/v1/strategies/sma-crossover/instances/{id}/logs?limit=0"),
            StatusCode::BAD_REQUEST,
            "VAL005",
        ),
        (
            format!("/api/v1/strategies/sma-crossover/instances/{id}/logs?since=soon"),
            StatusCode::BAD_REQUEST,
            "VAL001",
        ),
        (
            "/api/v1/strategies/sma-crossover/instances/abc-def/logs".to_owned(),
            StatusCode::BAD_REQUEST,
            "VAL005",
        ),
        (
            "/api/v1/strategies/sma-crossover/instances/0123abcd/logs".to_owned(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
    ] {
        let answer = backend.get(&query, &backend.reader).await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (status, Some(code)),
            "{query}: {}",
            answer.body
        );
    }
}
