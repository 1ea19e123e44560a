//! The runner on in-memory adapters (every outcome) and on the emulator with a real MLflow server.

mod emulator;
mod hyperopt;
mod train;
mod warmup;

use std::collections::BTreeMap;
use std::sync::Arc;

use tradai_backtest::Settings;
use tradai_backtest_runner::Runner;
use tradai_domain::entities::{BacktestConfig, BacktestJob, Timeframe, Timestamp};
use tradai_domain::ports::{
    JobRepository, MarketStore, ModelRegistry, ObjectStore, StoredObject, TableLayout, Transition,
    LEASE_SECONDS,
};
use tradai_domain::JobStatus;
use tradai_market::ParquetStore;
use tradai_memory::{MemoryModelRegistry, MemoryObjectStore, MemoryRecordStore};

/// The sample strategy the strategy service ships.
pub const SMA_CROSSOVER: &str = include_str!("../../../strategy/strategies/sma-crossover.json");

/// A job for `strategy` over January–March 2024 (`[2024-01-01, 2024-04-01)`), hourly BTC.
pub fn job(strategy: &str) -> BacktestJob {
    let config: BacktestConfig = serde_json::from_value(serde_json::json!({
        "strategy": strategy, "start_date": "2024-01-01", "end_date": "2024-04-01",
        "symbols": ["BTC/USDT:USDT"], "timeframe": "1h", "stake_amount": 1000.0,
        "config_version_id": "v1-a3b2c1d4"
    }))
    .expect("config");
    BacktestJob::new(config, Timestamp::now())
}

/// Put the sample strategy and 91 days of hourly BTC candles into the stores.
pub async fn seed(configs: &dyn ObjectStore, market: &dyn MarketStore) {
    let object = StoredObject {
        body: SMA_CROSSOVER.as_bytes().to_vec(),
        content_type: "application/json".into(),
        metadata: BTreeMap::new(),
    };
    configs
        .put("strategies/sma-crossover.json", object)
        .await
        .expect("strategy");
    let candles = tradai_backtest::synthetic::walk(5, 91 * 24, Timeframe::H1);
    market
        .write(
            &"BTC/USDT:USDT".parse().expect("symbol"),
            Timeframe::H1,
            &candles,
        )
        .await
        .expect("candles");
}

#[allow(missing_debug_implementations)]
pub struct Memory {
    pub runner: Runner,
    pub results: Arc<MemoryObjectStore>,
    pub registry: Arc<MemoryModelRegistry>,
}

impl Memory {
    /// The stored job `job_id`.
    pub async fn row(&self, job_id: &str) -> BacktestJob {
        self.runner
            .jobs
            .get(job_id)
            .await
            .expect("get")
            .expect("the job is stored")
    }
}

pub async fn memory() -> Memory {
    let config = tradai_test_support::config_with_prefix("runner");
    let layout = TableLayout::from_spec(
        "workflow-state",
        &config.settings().tables["workflow-state"],
    );
    let configs = Arc::new(MemoryObjectStore::new());
    let market = Arc::new(ParquetStore::new(Arc::new(MemoryObjectStore::new())));
    seed(configs.as_ref(), market.as_ref()).await;
    let results = Arc::new(MemoryObjectStore::new());
    let registry = Arc::new(MemoryModelRegistry::new());
    let runner = Runner {
        jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(layout))),
        configs,
        market,
        results: results.clone(),
        registry: Some(registry.clone()),
        settings: Settings::default(),
    };
    Memory {
        runner,
        results,
        registry,
    }
}

#[tokio::test]
async fn a_job_runs_to_completed_with_its_result_and_registry_run() {
    let m = memory().await;
    let job = job("sma-crossover");
    m.runner.jobs.create(&job).await.expect("create");
    let outcome = m.runner.run(&job.job_id).await.expect("runs");
    assert_eq!(
        (outcome.status, outcome.error.as_ref()),
        (JobStatus::Completed, None)
    );
    let key = outcome.result_key.expect("result key");
    assert_eq!(key, format!("backtests/{}/result.json", job.job_id));
    let stored = m.results.get(&key).await.expect("result.json");
    assert_eq!(stored.metadata["trace-id"], job.trace_id);
    let result: serde_json::Value = serde_json::from_slice(&stored.body).expect("json");
    assert_eq!(result["metrics"]["candles"], 91 * 24);
    assert!(result["metrics"]["trade_count"].as_u64().expect("count") > 0);
    assert_eq!(result["trades"][0]["symbol"], "BTC/USDT:USDT");
    assert_eq!(result["equity_curve"][0]["date"], "2024-01-01T00:00:00Z");
    assert_eq!(result["config_version_id"], "v1-a3b2c1d4");
    let row = m.row(&job.job_id).await;
    assert_eq!(
        (row.status, row.result_key.as_deref()),
        (JobStatus::Completed, Some(key.as_str()))
    );
    let run_id = row.mlflow_run_id.expect("logged to the registry");
    let experiment = m.registry.experiment("1", 10).await.expect("experiment");
    assert_eq!(experiment.name, "backtest-sma-crossover");
    assert_eq!(experiment.runs[0].run_id, run_id);
    assert_eq!(experiment.runs[0].tags["trace_id"], job.trace_id);
    assert_eq!(
        experiment.runs[0].metrics["trade_count"],
        result["metrics"]["trade_count"].as_f64().expect("n")
    );

    let again = m.runner.run(&job.job_id).await.expect("again");
    assert_eq!(
        again.status,
        JobStatus::Completed,
        "a finished job is left alone"
    );
}

#[tokio::test]
async fn failures_mark_the_job_failed_with_the_reason() {
    let m = memory().await;
    let missing = job("no-such-strategy");
    m.runner.jobs.create(&missing).await.expect("create");
    let outcome = m.runner.run(&missing.job_id).await.expect("runs");
    assert_eq!(outcome.status, JobStatus::Failed);
    assert_eq!(
        outcome.error.as_ref().map(|e| e.error.as_str()),
        Some("StrategyNotFound")
    );

    let mut eth = job("sma-crossover");
    eth.config.symbols = vec!["ETH/USDT:USDT".parse().expect("symbol")];
    m.runner.jobs.create(&eth).await.expect("create");
    let outcome = m.runner.run(&eth.job_id).await.expect("runs");
    let error = outcome.error.expect("error");
    assert_eq!(error.error, "NoMarketData");
    assert!(
        error.cause.contains("ETH/USDT:USDT") && error.cause.contains("POST /api/v1/sync"),
        "{}",
        error.cause
    );
    let row = m.row(&eth.job_id).await;
    assert_eq!(row.status, JobStatus::Failed);
    assert_eq!(row.error.map(|e| e.error).as_deref(), Some("NoMarketData"));

    let cancelled = job("sma-crossover");
    m.runner.jobs.create(&cancelled).await.expect("create");
    m.runner
        .jobs
        .transition(
            &cancelled.job_id,
            JobStatus::Cancelled,
            Default::default(),
            Timestamp::now(),
        )
        .await
        .expect("cancel");
    let outcome = m.runner.run(&cancelled.job_id).await.expect("runs");
    assert_eq!(
        (outcome.status, outcome.result_key),
        (JobStatus::Cancelled, None),
        "a cancelled job is not run"
    );
    assert!(
        m.runner.run("no-such-job").await.is_err(),
        "an unknown job is an error"
    );
}

/// Two runners given the same job (a redelivered message, a retried task): one claims and completes it, the
/// other does not run it, so the job completes once with one registry run.
#[tokio::test]
async fn two_runners_on_one_job_complete_it_once() {
    let m = memory().await;
    let job = job("sma-crossover");
    m.runner.jobs.create(&job).await.expect("create");
    let (a, b) = tokio::join!(m.runner.run(&job.job_id), m.runner.run(&job.job_id));
    let mut statuses = [a.expect("a").status, b.expect("b").status];
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(
        statuses,
        [JobStatus::Completed, JobStatus::Running],
        "one completes; the other finds the job held and leaves it"
    );
    let experiment = m.registry.experiment("1", 10).await.expect("experiment");
    assert_eq!(experiment.runs.len(), 1, "one run logged, not two");
}

/// A job whose runner died (its lease ran out) is taken over by the next runner; the dead attempt can no
/// longer end it.
#[tokio::test]
async fn a_dead_runners_job_is_taken_over_after_its_lease() {
    let m = memory().await;
    let job = job("sma-crossover");
    m.runner.jobs.create(&job).await.expect("create");
    let long_ago = Timestamp::now().plus_seconds(-LEASE_SECONDS - 1);
    m.runner
        .jobs
        .claim(&job.job_id, "dead-runner", long_ago)
        .await
        .expect("claim");
    let outcome = m.runner.run(&job.job_id).await.expect("runs");
    assert_eq!(outcome.status, JobStatus::Completed);
    let late = m
        .runner
        .jobs
        .finish(
            &job.job_id,
            "dead-runner",
            JobStatus::Failed,
            Default::default(),
            Timestamp::now(),
        )
        .await
        .expect("finish");
    assert_eq!(
        late,
        Transition::Stale {
            current: JobStatus::Completed
        },
        "the dead attempt's late report changes nothing"
    );
}

/// A runner stopped mid-job (SIGTERM) fails the job `Interrupted` itself, rather than leaving it RUNNING.
#[tokio::test]
async fn a_stopped_runner_fails_its_job_as_interrupted() {
    let m = memory().await;
    let job = job("sma-crossover");
    m.runner.jobs.create(&job).await.expect("create");
    let outcome = m
        .runner
        .run_until(&job.job_id, async {})
        .await
        .expect("runs");
    assert_eq!(outcome.status, JobStatus::Failed);
    assert_eq!(
        outcome.error.map(|e| e.error).as_deref(),
        Some("Interrupted")
    );
    let row = m.row(&job.job_id).await;
    assert_eq!(row.status, JobStatus::Failed);
    assert!(m.results.list("backtests/").await.expect("list").is_empty());
}
