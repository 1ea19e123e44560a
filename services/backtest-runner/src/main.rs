//! `tradai-backtest-runner --env ENV --job-id ID`: run one backtest job on AWS (the ECS task the backtest
//! workflow starts with `JOB_ID`; `ENVIRONMENT` gives the env). Reads the job table, the configs, market-data
//! and results buckets of the canonical config (or the emulator at `AWS_ENDPOINT_URL`), and logs the run to
//! MLflow when `MLFLOW_TRACKING_URI` is set. `RUNNER_SLIPPAGE` (default 0.0005) sets the fill slippage.
//! Exits 0 when the job completed, 1 when it failed (so `ecs:runTask.sync` sees the failure).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tradai_aws::{Clients, DynamoRecordStore, Endpoint, S3ObjectStore};
use tradai_backtest::Settings;
use tradai_backtest_runner::Runner;
use tradai_domain::ports::{JobRepository, ModelRegistry};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::JobStatus;
use tradai_market::ParquetStore;

#[derive(Debug, Parser)]
#[command(name = "tradai-backtest-runner", about = "Run one TradAI backtest job")]
struct Args {
    /// dev, staging or prod.
    #[arg(long, env = "ENVIRONMENT")]
    env: String,
    /// The job to run.
    #[arg(long, env = "JOB_ID")]
    job_id: String,
    /// Fill slippage as a fraction, 0 to 0.1.
    #[arg(long, env = "RUNNER_SLIPPAGE", default_value_t = 0.0005)]
    slippage: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let config = tradai_service_kit::startup::load_config(&args.env)?;
    let region = config.settings().aws.region.clone();
    let endpoint = Endpoint::from_env(region);
    let clients = Clients::connect(&endpoint).await;
    let policy = |service: &str| Arc::new(ResiliencePolicy::aws(service));
    let bucket = |key: &str| S3ObjectStore::new(clients.s3.clone(), &config, key, policy("s3"));
    let jobs = DynamoRecordStore::new(clients.dynamodb.clone(), &config, policy("dynamodb"))?;
    let registry: Option<Arc<dyn ModelRegistry>> = match std::env::var("MLFLOW_TRACKING_URI") {
        Ok(_) => Some(Arc::new(tradai_mlflow::MlflowRegistry::from_env()?)),
        Err(_) => None,
    };
    let runner = Runner {
        jobs: JobRepository::new(Arc::new(jobs)),
        configs: Arc::new(bucket("configs")?),
        market: Arc::new(ParquetStore::new(Arc::new(bucket("arcticdb")?))),
        results: Arc::new(bucket("results")?),
        registry,
        settings: Settings {
            slippage: args.slippage,
            starting_balance: None,
        },
    };
    let outcome = runner.run(&args.job_id).await?;
    tracing::info!(job_id = %outcome.job_id, status = %outcome.status, result = ?outcome.result_key, error = ?outcome.error, "backtest finished");
    Ok(if outcome.status == JobStatus::Completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
