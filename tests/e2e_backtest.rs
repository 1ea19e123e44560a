//! The backtest flow end to end with the local executor: `POST /api/v1/backtests` → the backtest workflow
//! (ValidateStrategy → EnsureData → UpdateStatusRunning → RunBacktest → UpdateStatusCompleted → NotifySuccess)
//! → `result.json` and the equity route; and its failure paths. Once on in-memory adapters, once on the
//! emulator (DynamoDB jobs, S3 configs, market data and results) with the run logged to a real MLflow.

use std::sync::Arc;

use serde_json::json;
use tradai_domain::ports::JobRepository;
use tradai_domain::JobStatus;
use tradai_e2e::{platform, request, Platform};
use tradai_platform::{AwsSettings, Ports};

/// The success path and both failure paths, on any stores.
async fn flows(platform: &Platform) {
    let done = platform
        .backtest(request("sma-crossover", "2024-02-01", "2024-03-15"))
        .await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let id = done["job_id"].as_str().expect("id");
    let equity = platform
        .send("GET", &format!("/api/v1/backtests/{id}/equity"), None)
        .await;
    assert_eq!(equity.status, 200, "{}", equity.body);
    assert_eq!(
        equity.body["equity_curve"].as_array().map(Vec::len),
        Some(43 * 24),
        "[2024-02-01, 2024-03-15): the end day is excluded, hourly"
    );
    let report = platform
        .send("GET", &format!("/api/v1/backtests/{id}/report-data"), None)
        .await;
    assert!(
        report.body["metrics"]["trade_count"].as_u64().is_some(),
        "{}",
        report.body
    );
    // The workflow's EnsureData synced the padding validate-strategy derived (SMA 50: 50 hours, within the 30
    // days the reference pads), and the runner read the warm-up: the averages are warm at the range's first candle, so the strategy
    // can act from its second (the recorded series has a crossing in the first days of February).
    assert_eq!(report.body["startup_candles"], 50, "{}", report.body);
    assert_eq!(
        report.body["equity_curve"][0]["date"],
        "2024-02-01T00:00:00Z"
    );
    let first_entry = report.body["trades"][0]["entry_date"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        first_entry.as_str() < "2024-02-03T03:00:00Z",
        "a cold start could not trade before SMA 50 filled at 2024-02-03T02:00: {first_entry}"
    );

    let invalid = platform
        .backtest(request("no-such-strategy", "2024-02-01", "2024-03-01"))
        .await;
    assert_eq!(invalid["status"], "FAILED");
    let row = platform
        .jobs
        .get(invalid["job_id"].as_str().expect("id"))
        .await
        .expect("get")
        .expect("row");
    let error = row.error.expect("error");
    assert_eq!(error.error, "ValidationFailed");
    assert!(
        error
            .cause
            .contains("no strategy config 'no-such-strategy'"),
        "the validation errors travel: {}",
        error.cause
    );

    // Before the recorded pages: ensure-data finds nothing to fetch, the runner fails the job with its typed
    // error, the workflow cleans up and its FAILED report leaves that error in place.
    let no_data = platform
        .backtest(request("sma-crossover", "2023-01-01", "2023-02-01"))
        .await;
    assert_eq!(no_data["status"], "FAILED");
    let row = platform
        .jobs
        .get(no_data["job_id"].as_str().expect("id"))
        .await
        .expect("get")
        .expect("row");
    let error = row.error.expect("error");
    assert_eq!(
        error.error, "NoMarketData",
        "the runner's typed error stands after the workflow's failure report: {error:?}"
    );
}

#[tokio::test]
async fn backtests_run_end_to_end_on_in_memory_adapters() {
    let config = tradai_test_support::config_with_prefix("tradai");
    let platform = platform(&config, Ports::memory(&config).expect("ports")).await;
    flows(&platform).await;
}

#[tokio::test]
async fn backtests_run_end_to_end_on_the_emulator_with_mlflow() {
    let (config, clients, _provisioned) = tradai_test_support::emulator::provisioned().await;
    let settings = AwsSettings {
        mlflow_uri: Some(tradai_test_support::mlflow::tracking_uri().to_owned()),
        ..AwsSettings::default()
    };
    let ports = Ports::aws(&config, &clients, &settings).expect("ports");
    let platform = platform(&config, ports).await;
    flows(&platform).await;
    let done = platform
        .backtest(request("sma-crossover", "2024-03-01", "2024-03-20"))
        .await;
    let row = platform
        .jobs
        .get(done["job_id"].as_str().expect("id"))
        .await
        .expect("get")
        .expect("row");
    let run_id = row.mlflow_run_id.expect("the run is in MLflow");
    assert!(!run_id.is_empty(), "the runner logged its run to MLflow");
}

/// The local executor runs at most the cloud's cap of workflows at once (backtest-consumer's
/// `MAX_CONCURRENT_TASKS`, here 1); the other jobs wait PENDING and all complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_executor_runs_at_most_the_cap_at_once() {
    let config = tradai_config::Loader::embedded()
        .without_env_vars()
        .with_value("project.name", "tradai")
        .with_value("lambdas.backtest-consumer.env.MAX_CONCURRENT_TASKS", "1")
        .with_value("lambdas.job-sweeper.env.MAX_CONCURRENT_TASKS", "1")
        .load(tradai_config::Environment::Dev)
        .expect("config");
    assert_eq!(tradai_local_executor::concurrency(&config), 1);
    let platform = platform(&config, Ports::memory(&config).expect("ports")).await;
    let body = request("sma-crossover", "2024-02-01", "2024-03-15");
    let submissions =
        (0..6).map(|_| platform.send("POST", "/api/v1/backtests", Some(body.clone())));
    let ids: Vec<String> = futures::future::join_all(submissions)
        .await
        .iter()
        .map(|a| a.body["job_id"].as_str().expect("id").to_owned())
        .collect();
    // Each job's run (its runner's claim to its end), in start order: one at a time means no two overlap.
    let mut runs = Vec::new();
    for id in &ids {
        let mut job = platform.jobs.get(id).await.expect("get").expect("job");
        for _ in 0..300 {
            if job.status == JobStatus::Completed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            job = platform.jobs.get(id).await.expect("get").expect("job");
        }
        assert_eq!(job.status, JobStatus::Completed, "{id}");
        runs.push((
            job.started_at.expect("started"),
            job.completed_at.expect("completed"),
        ));
    }
    runs.sort();
    for pair in runs.windows(2) {
        assert!(pair[1].0 >= pair[0].1, "two runs overlap: {pair:?}");
    }
}

/// A poison message on the backtest queue: the consumer reports it every time, and after the queue's receive
/// limit (3) it lands in the dead-letter queue; the good request next to it starts its workflow. Nothing is lost.
#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_queue() {
    use tradai_domain::ports::{JobQueue, OutgoingMessage};
    let config = tradai_test_support::config_with_prefix("tradai");
    let spec = &config.settings().queues["backtest"];
    let queue = tradai_memory::MemoryQueue::from_spec("tradai-backtest-dev.fifo", spec);
    let layout = tradai_domain::ports::TableLayout::from_spec(
        "workflow-state",
        &config.settings().tables["workflow-state"],
    );
    let jobs = JobRepository::new(Arc::new(tradai_memory::MemoryRecordStore::new(layout)));
    let consumer = tradai_lambdas::handlers::backtest_consumer::BacktestConsumer {
        launcher: tradai_lambdas::handlers::launch::Launcher {
            jobs: jobs.clone(),
            workflows: Arc::new(tradai_memory::MemoryWorkflows::new(
                "tradai-backtest-workflow-dev",
            )),
            task_definition: "tradai-strategy-generic-dev".into(),
            max_concurrent: 10,
        },
        metrics: None,
    };
    let good = json!({"job_id": "good", "config": {"strategy": "sma-crossover", "start_date": "2024-01-01", "end_date": "2024-02-01"}});
    for (body, group) in [("{poison".to_owned(), "a"), (good.to_string(), "b")] {
        queue
            .send(OutgoingMessage {
                body,
                group_id: Some(group.into()),
                dedup_id: Some(group.into()),
            })
            .await
            .expect("send");
    }
    let consumer = &consumer;
    let mut polls = Vec::new();
    for _ in 0..10 {
        let poll = tradai_lambdas::event_source::poll(&queue, |event| async move {
            let now = tradai_domain::entities::Timestamp::now();
            tradai_lambdas::registry::Serve::serve(consumer, event, now, "dev")
                .await
                .expect("an SQS batch always has an answer")
        })
        .await
        .expect("poll");
        if poll.received == 0 {
            break;
        }
        polls.push(poll);
    }
    let dead = queue
        .dead_letter_queue()
        .expect("the backtest queue has a DLQ");
    assert_eq!((queue.len(), dead.len()), (0, 1), "after {polls:?}");
    let failed: usize = polls.iter().map(|p| p.failed).sum();
    assert_eq!(
        failed, 3,
        "the poison message was received and failed 3 times"
    );
    let started = jobs.get("good").await.expect("get").expect("job");
    assert!(
        started.execution_arn.is_some(),
        "the good request started its workflow"
    );
}
