//! `tradai-backend --env ENV [--port PORT] [--executor sqs|stepfunctions]`: the backend on in-memory adapters
//! (the embedded default). Tokens are verified against the Cognito pool named by `COGNITO_USER_POOL_ID`,
//! `COGNITO_CLIENT_IDS` and `AWS_REGION` (the compute layer sets them on the task).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use clap::{Parser, ValueEnum};
use tradai_backend::executor::{Executor, QueueExecutor, WorkflowExecutor};
use tradai_backend::{router, AppState};
use tradai_config::{Environment, Loader};
use tradai_domain::ports::{JobRepository, TableLayout};
use tradai_memory::{MemoryQueue, MemoryRecordStore, MemoryWorkflows};
use tradai_service_kit::auth::Verifier;
use tradai_service_kit::http::HttpOptions;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExecutorKind {
    Sqs,
    Stepfunctions,
}

#[derive(Debug, Parser)]
#[command(
    name = "tradai-backend",
    about = "The TradAI backend service (backtests)"
)]
struct Args {
    /// dev, staging or prod.
    #[arg(long, env = "ENVIRONMENT")]
    env: String,
    /// Port to listen on [default: services.backend-api.port of the config].
    #[arg(long)]
    port: Option<u16>,
    /// Where submitted jobs go.
    #[arg(long, value_enum, default_value_t = ExecutorKind::Sqs, env = "BACKEND_EXECUTOR")]
    executor: ExecutorKind,
}

fn required(name: &str) -> anyhow::Result<String> {
    std::env::var(name).map_err(|_| anyhow!("{name} is not set: the backend verifies Cognito tokens and needs COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS (comma-separated) and AWS_REGION"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let env: Environment = args.env.parse().map_err(|e| anyhow!("--env: {e}"))?;
    let config = Loader::discover()
        .load(env)
        .with_context(|| format!("loading the {env} config"))?;
    let s = config.settings();
    let port = match args.port {
        Some(port) => port,
        None => s
            .services
            .get("backend-api")
            .and_then(|b| b.port)
            .ok_or_else(|| anyhow!("the config has no services.backend-api.port; pass --port"))?,
    };
    let verifier = Verifier::cognito(
        &required("AWS_REGION")?,
        &required("COGNITO_USER_POOL_ID")?,
        required("COGNITO_CLIENT_IDS")?
            .split(',')
            .map(str::to_owned)
            .collect(),
    );
    let table = |key: &str| {
        s.tables
            .get(key)
            .map(|spec| TableLayout::from_spec(key, spec))
            .ok_or_else(|| anyhow!("the config has no tables.{key}"))
    };
    let executor: Arc<dyn Executor> = match args.executor {
        ExecutorKind::Sqs => {
            let spec = s
                .queues
                .get("backtest")
                .ok_or_else(|| anyhow!("the config has no queues.backtest"))?;
            let name = config.names().queue("backtest", spec.fifo).to_string();
            Arc::new(QueueExecutor {
                queue: Arc::new(MemoryQueue::from_spec(name, spec)),
            })
        }
        ExecutorKind::Stepfunctions => Arc::new(WorkflowExecutor {
            workflows: Arc::new(MemoryWorkflows::new(
                config.names().state_machine("backtest").as_str(),
            )),
            task_definition: config.names().ecs_service(
                config
                    .service_component("strategy-container")
                    .unwrap_or("strategy-generic"),
            ),
        }),
    };
    let state = AppState {
        jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(table("workflow-state")?))),
        idempotency: Arc::new(MemoryRecordStore::new(table("idempotency")?)),
        configs: Arc::new(MemoryRecordStore::new(table("config-versions")?)),
        executor,
        verifier: Arc::new(verifier),
        service: "backend",
    };
    let address = SocketAddr::from(([0, 0, 0, 0], port));
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(())
}
