//! The `ecs` executor (a runner task per job) and the `local` executor (the backtest workflow interpreted in
//! this process: validate-strategy, ensure-data, update-status, the runner, notify-completion).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use tradai_domain::entities::Timeframe;
use tradai_domain::ports::{MarketStore, ObjectStore, StoredObject, TaskFilter, TaskRunner};
use tradai_domain::JobStatus;
use tradai_market::ParquetStore;
use tradai_platform::ExecutorKind;

use crate::harness::{request, Backend};

async fn backend(kind: ExecutorKind) -> Backend {
    Backend::on_memory(kind, "http://127.0.0.1:9").await
}

#[tokio::test]
async fn the_ecs_executor_starts_a_runner_task_per_job_and_stops_it_on_cancel() {
    let backend = backend(ExecutorKind::Ecs).await;
    let tasks = backend.memory().tasks.clone();
    let submitted = backend.submit(request(), &[]).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    let job_id = submitted.body["job_id"].as_str().expect("id").to_owned();
    let running = tasks
        .list(&TaskFilter {
            tag: Some(("job_id".into(), job_id.clone())),
            started_by: None,
        })
        .await
        .expect("list");
    assert_eq!(running.len(), 1, "one runner task for the job");
    let job = backend.jobs.get(&job_id).await.expect("get").expect("job");
    assert_eq!(
        job.ecs_task_arn.as_deref(),
        Some(running[0].task_arn.as_str())
    );
    let cancelled = backend
        .post(&format!("/api/v1/backtests/{job_id}/cancel"), &backend.user)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    let after = tasks
        .list(&TaskFilter {
            tag: Some(("job_id".into(), job_id)),
            started_by: None,
        })
        .await
        .expect("list");
    assert!(after.is_empty(), "the task is stopped");
}

#[tokio::test]
async fn the_local_executor_runs_the_job_in_process() {
    let backend = backend(ExecutorKind::Local).await;
    let strategy = include_str!("../../../strategy/strategies/sma-crossover.json");
    let object = StoredObject {
        body: strategy.as_bytes().to_vec(),
        content_type: "application/json".into(),
        metadata: BTreeMap::new(),
    };
    backend
        .memory()
        .configs
        .put("strategies/sma-crossover.json", object)
        .await
        .expect("strategy");
    let market = ParquetStore::new(backend.memory().market_objects.clone());
    let candles = tradai_backtest::synthetic::walk(1, 200 * 24, Timeframe::H1);
    market
        .write(
            &"BTC/USDT:USDT".parse().expect("symbol"),
            Timeframe::H1,
            &candles,
        )
        .await
        .expect("candles");
    let submitted = backend.submit(request(), &[]).await;
    let job_id = submitted.body["job_id"].as_str().expect("id").to_owned();
    let mut status = JobStatus::Pending;
    for _ in 0..200 {
        status = backend
            .jobs
            .get(&job_id)
            .await
            .expect("get")
            .expect("job")
            .status;
        if matches!(status, JobStatus::Completed | JobStatus::Failed) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let job = backend.jobs.get(&job_id).await.expect("get").expect("job");
    assert_eq!(status, JobStatus::Completed, "{:?}", job.error);
    let equity = backend
        .get(
            &format!("/api/v1/backtests/{job_id}/equity"),
            &backend.reader,
        )
        .await;
    assert_eq!(equity.status, StatusCode::OK, "{}", equity.body);
    assert!(!equity.body["equity_curve"]
        .as_array()
        .expect("curve")
        .is_empty());
}

#[tokio::test]
async fn the_local_executor_without_candles_fails_the_job_with_the_reason() {
    let backend = backend(ExecutorKind::Local).await;
    let submitted = backend.submit(request(), &[]).await;
    let job_id = submitted.body["job_id"].as_str().expect("id").to_owned();
    let mut job = backend.jobs.get(&job_id).await.expect("get").expect("job");
    for _ in 0..200 {
        if job.status == JobStatus::Failed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        job = backend.jobs.get(&job_id).await.expect("get").expect("job");
    }
    let error = job.error.expect("error");
    assert_eq!(
        error.error, "ValidationFailed",
        "validate-strategy found no config in the empty bucket"
    );
    assert!(
        error.cause.contains("no strategy config 'sma-crossover'"),
        "{}",
        error.cause
    );
}
