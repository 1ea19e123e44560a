//! `/api/v1/backtests`: every route, its success and its errors.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use tradai_domain::ports::{ExecutionStatus, JobQueue, WorkflowStarter};
use tradai_domain::JobStatus;

use crate::harness::{percent, request, Backend};

#[tokio::test]
async fn a_submission_is_stored_pending_and_queued() {
    let backend = Backend::start(false).await;
    let answer = backend
        .submit(request(), &[("X-Correlation-ID", "trace-42")])
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let job_id = answer.body["job_id"].as_str().expect("job id").to_owned();
    assert_eq!(answer.body["status"], "PENDING");
    assert_eq!(answer.body["trace_id"], "trace-42");
    assert_eq!(
        answer.headers["location"],
        format!("/api/v1/backtests/{job_id}")
    );
    let messages = backend
        .memory()
        .backtest_queue
        .receive(10, Duration::ZERO)
        .await
        .expect("receive");
    assert_eq!(messages.len(), 1);
    let message: Value = serde_json::from_str(&messages[0].body).expect("json");
    assert_eq!(
        (
            message["job_id"].as_str(),
            message["config"]["strategy"].as_str()
        ),
        (Some(job_id.as_str()), Some("sma-crossover"))
    );
    let stored = backend
        .get(&format!("/api/v1/backtests/{job_id}"), &backend.reader)
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    let mut body = stored.body.clone();
    for field in ["job_id", "created_at", "updated_at"] {
        body[field] = json!(format!("<{field}>"));
    }
    insta::assert_json_snapshot!(body, @r#"
    {
      "job_id": "<job_id>",
      "trace_id": "trace-42",
      "status": "PENDING",
      "strategy": "sma-crossover",
      "timeframe": "1h",
      "symbols": [
        "BTC/USDT:USDT"
      ],
      "start_date": "2024-01-01",
      "end_date": "2024-06-30",
      "created_at": "<created_at>",
      "updated_at": "<updated_at>"
    }
    "#);
}

#[tokio::test]
async fn bad_bodies_get_their_validation_codes() {
    let backend = Backend::start(false).await;
    let with = |field: &str, value: Value| {
        let mut body = request();
        body[field] = value;
        body
    };
    let cases = [
        (with("end_date", json!("2023-01-01")), "VAL001"),
        (with("start_date", json!("yesterday")), "VAL001"),
        (with("symbols", json!(["BTC-USDT"])), "VAL002"),
        (with("timeframe", json!("7m")), "VAL003"),
        (
            json!({"start_date": "2024-01-01", "end_date": "2024-02-01"}),
            "VAL004",
        ),
        (with("stake_amount", json!(0)), "VAL005"),
        (with("leverage", json!(10)), "VAL006"),
        // The outside tester's inputs: dates no data can have, a span no request may cover, oversized and
        // non-ASCII names.
        (with("start_date", json!("-262143-01-01")), "VAL001"),
        (with("end_date", json!("2999-01-01")), "VAL001"),
        (
            with("timeframe", json!("1m"))
                .as_object()
                .map(|b| {
                    let mut b = b.clone();
                    b.insert("start_date".into(), json!("2019-01-01"));
                    Value::Object(b)
                })
                .expect("object"),
            "VAL001",
        ),
        (with("strategy", json!("🚀".repeat(200))), "VAL005"),
        (with("experiment_name", json!("x".repeat(129))), "VAL005"),
        (with("config_version_id", json!("v1 00")), "VAL005"),
    ];
    let huge = backend
        .submit(with("experiment_name", json!("x".repeat(1_500_000))), &[])
        .await;
    assert_eq!(
        (huge.status, huge.body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("TOO_LARGE")),
        "a 1.5 MB body is refused before it is read"
    );
    for (body, code) in cases {
        let answer = backend.submit(body.clone(), &[]).await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{body}"
        );
    }
    assert!(
        backend.memory().backtest_queue.is_empty(),
        "nothing half-written"
    );
}

#[tokio::test]
async fn tokens_and_scopes_are_required() {
    let backend = Backend::start(false).await;
    let anonymous = backend
        .call("POST", "/api/v1/backtests", None, &[], Some(request()))
        .await;
    assert_eq!(
        (anonymous.status, anonymous.body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTH001"))
    );
    let reader = backend
        .call(
            "POST",
            "/api/v1/backtests",
            Some(&backend.reader),
            &[],
            Some(request()),
        )
        .await;
    assert_eq!(
        (reader.status, reader.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("AUTH003"))
    );
    let health = backend.call("GET", "/api/v1/health", None, &[], None).await;
    assert_eq!(health.status, StatusCode::OK, "health is public");
    assert_eq!(
        health.body["dependencies"]["workflow-state"]["status"],
        "healthy"
    );
}

#[tokio::test]
async fn one_idempotency_key_makes_one_job() {
    let backend = Backend::start(false).await;
    let first = backend
        .submit(request(), &[("Idempotency-Key", "k-1")])
        .await;
    let again = backend
        .submit(request(), &[("Idempotency-Key", "k-1")])
        .await;
    assert_eq!(first.body["job_id"], again.body["job_id"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let mut other = request();
    other["strategy"] = json!("rsi");
    let conflict = backend.submit(other, &[("Idempotency-Key", "k-1")]).await;
    assert_eq!(
        (conflict.status, conflict.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("CONFLICT"))
    );
    let repeats = (0..100).map(|_| backend.submit(request(), &[("Idempotency-Key", "k-2")]));
    let answers = futures::future::join_all(repeats).await;
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|a| {
            a.body["job_id"]
                .as_str()
                .unwrap_or_else(|| panic!("{} {}", a.status, a.body))
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "100 repeats of one key, one job");
    let pending = backend
        .jobs
        .list_by_status(JobStatus::Pending, 100, None)
        .await
        .expect("list");
    assert_eq!(pending.items.len(), 2, "k-1 and k-2");
}

#[tokio::test]
async fn lists_by_status_with_paging_and_checks_the_query() {
    let backend = Backend::start(false).await;
    for _ in 0..3 {
        backend.submit(request(), &[]).await;
    }
    let page = backend
        .get("/api/v1/backtests?status=pending&limit=2", &backend.reader)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = percent(page.body["next_cursor"].as_str().expect("cursor"));
    let rest = backend
        .get(
            &format!("/api/v1/backtests?status=PENDING&limit=2&cursor={cursor}"),
            &backend.reader,
        )
        .await;
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    let all = backend.get("/api/v1/backtests", &backend.reader).await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(3));
    for (query, field) in [
        ("limit=0", "limit"),
        ("status=DONE", "status"),
        ("cursor=x", "status"),
        ("status=PENDING&cursor=x", "cursor"),
        // a real cursor of another listing
        ("status=RUNNING&cursor=CURSOR", "cursor"),
    ] {
        let query = query.replace("CURSOR", &cursor);
        let answer = backend
            .get(&format!("/api/v1/backtests?{query}"), &backend.reader)
            .await;
        assert_eq!(
            (answer.status, answer.body["details"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn cancel_follows_the_job_lifecycle() {
    let backend = Backend::start(true).await;
    let job = backend.submit(request(), &[]).await;
    let job_id = job.body["job_id"].as_str().expect("id").to_owned();
    let execution = job.body["execution_arn"]
        .as_str()
        .expect("the workflow started")
        .to_owned();
    let cancelled = backend
        .post(&format!("/api/v1/backtests/{job_id}/cancel"), &backend.user)
        .await;
    assert_eq!(
        (cancelled.status, cancelled.body["status"].as_str()),
        (StatusCode::OK, Some("CANCELLED"))
    );
    assert_eq!(
        backend
            .memory()
            .backtest_workflows
            .status(&execution)
            .await
            .expect("status"),
        ExecutionStatus::Aborted
    );
    let again = backend
        .post(&format!("/api/v1/backtests/{job_id}/cancel"), &backend.user)
        .await;
    assert_eq!(
        (again.status, again.body["status"].as_str()),
        (StatusCode::OK, Some("CANCELLED")),
        "a repeat is a no-op"
    );
    let done = backend.submit(request(), &[]).await;
    let done_id = done.body["job_id"].as_str().expect("id").to_owned();
    backend
        .jobs
        .transition(
            &done_id,
            JobStatus::Running,
            Default::default(),
            tradai_domain::entities::Timestamp::now(),
        )
        .await
        .expect("running");
    backend
        .jobs
        .transition(
            &done_id,
            JobStatus::Completed,
            Default::default(),
            tradai_domain::entities::Timestamp::now(),
        )
        .await
        .expect("completed");
    let late = backend
        .post(
            &format!("/api/v1/backtests/{done_id}/cancel"),
            &backend.user,
        )
        .await;
    assert_eq!(
        (late.status, late.body["details"]["status"].as_str()),
        (StatusCode::CONFLICT, Some("COMPLETED"))
    );
    let missing = backend
        .post("/api/v1/backtests/nope/cancel", &backend.user)
        .await;
    assert_eq!(
        (missing.status, missing.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
    let unknown = backend.get("/api/v1/backtests/nope", &backend.reader).await;
    assert_eq!(unknown.body["message"], "Backtest job 'nope' not found");
}

#[tokio::test]
async fn every_route_requires_the_permission_its_operation_declares() {
    let backend = Backend::start(false).await;
    let problems = tradai_service_kit::testing::route_problems(
        &backend.app,
        &tradai_backend::openapi(),
        &backend.key,
        &backend.issuer,
    )
    .await;
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn the_openapi_document_is_pinned() {
    let document = serde_json::to_value(tradai_backend::openapi()).expect("json");
    insta::assert_json_snapshot!("openapi", document);
}
