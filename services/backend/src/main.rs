//! `tradai-backend --env ENV [--port PORT] [--executor sqs|stepfunctions|ecs|local] [--adapters memory|aws]`.
//! In-memory adapters are the embedded default; `aws` uses the account of the environment's credentials, or the
//! emulator at `AWS_ENDPOINT_URL`. Tokens are verified against the Cognito pool named by
//! `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS` and `AWS_REGION` (the compute layer sets them on the task).

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use tradai_aws::{Clients, Endpoint};
use tradai_backend::adapters::{self, ExecutorKind};
use tradai_backend::router;
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::startup::{self, Adapters, ServiceArgs};

#[derive(Debug, Parser)]
#[command(
    name = "tradai-backend",
    about = "The TradAI backend service (backtests, config versions)"
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
    /// Where submitted jobs go.
    #[arg(long, value_enum, default_value_t = ExecutorKind::Sqs, env = "BACKEND_EXECUTOR")]
    executor: ExecutorKind,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let config = startup::load_config(&args.service.env)?;
    let port = startup::port(&config, "backend-api", args.service.port)?;
    let (region, verifier) = startup::cognito_from_env()?;
    let verifier = Arc::new(verifier);
    let state = match args.service.adapters {
        Adapters::Memory => adapters::memory(&config, args.executor, verifier)?,
        Adapters::Aws => {
            let endpoint = Endpoint::from_env(region);
            let clients = Clients::connect(&endpoint).await;
            adapters::aws(&config, &clients, args.executor, verifier).await?
        }
    };
    let address = SocketAddr::from(([0, 0, 0, 0], port));
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(())
}
