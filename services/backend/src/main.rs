//! `tradai-backend --env ENV [--port PORT] [--executor sqs|stepfunctions] [--adapters memory|aws]`.
//! In-memory adapters are the embedded default; `aws` uses the account of the environment's credentials, or the
//! emulator at `AWS_ENDPOINT_URL`. Tokens are verified against the Cognito pool named by
//! `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS` and `AWS_REGION` (the compute layer sets them on the task).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use clap::{Parser, ValueEnum};
use tradai_aws::{Clients, Endpoint};
use tradai_backend::adapters::{self, ExecutorKind};
use tradai_backend::router;
use tradai_config::{Environment, Loader};
use tradai_service_kit::auth::Verifier;
use tradai_service_kit::http::HttpOptions;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Adapters {
    Memory,
    Aws,
}

#[derive(Debug, Parser)]
#[command(
    name = "tradai-backend",
    about = "The TradAI backend service (backtests, config versions)"
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
    /// In-memory adapters, or AWS ones.
    #[arg(long, value_enum, default_value_t = Adapters::Memory, env = "BACKEND_ADAPTERS")]
    adapters: Adapters,
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
    let port = match args.port {
        Some(port) => port,
        None => config
            .settings()
            .services
            .get("backend-api")
            .and_then(|b| b.port)
            .ok_or_else(|| anyhow!("the config has no services.backend-api.port; pass --port"))?,
    };
    let region = required("AWS_REGION")?;
    let verifier = Arc::new(Verifier::cognito(
        &region,
        &required("COGNITO_USER_POOL_ID")?,
        required("COGNITO_CLIENT_IDS")?
            .split(',')
            .map(str::to_owned)
            .collect(),
    ));
    let state = match args.adapters {
        Adapters::Memory => adapters::memory(&config, args.executor, verifier)?,
        Adapters::Aws => {
            let endpoint = match std::env::var("AWS_ENDPOINT_URL") {
                Ok(url) => Endpoint::Emulator { region, url },
                Err(_) => Endpoint::Aws { region },
            };
            let clients = Clients::connect(&endpoint).await;
            adapters::aws(&config, &clients, args.executor, verifier).await?
        }
    };
    let address = SocketAddr::from(([0, 0, 0, 0], port));
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(())
}
