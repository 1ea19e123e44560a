//! `tradai-strategy --env ENV [--port PORT] [--adapters memory|aws]`: the strategy service. In-memory adapters
//! (the embedded default) start with the bundled sample strategies; `aws` reads the configs bucket of the
//! environment (or the emulator at `AWS_ENDPOINT_URL`) and the MLflow server at `MLFLOW_TRACKING_URI`. Tokens are verified against the Cognito pool named by
//! `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS` and `AWS_REGION`.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Parser;
use tradai_aws::{Clients, Endpoint, S3ObjectStore};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_mlflow::MlflowRegistry;
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::startup::{self, Adapters, ServiceArgs};
use tradai_strategy::{router, AppState};

#[derive(Debug, Parser)]
#[command(
    name = "tradai-strategy",
    about = "The TradAI strategy service (strategy configs and the model registry)"
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let config = startup::load_config(&args.service.env)?;
    let port = startup::port(&config, "strategy-service", args.service.port)?;
    let (region, verifier) = startup::cognito_from_env()?;
    let verifier = Arc::new(verifier);
    let state = match args.service.adapters {
        Adapters::Memory => AppState::in_memory(verifier).await?,
        Adapters::Aws => {
            let endpoint = Endpoint::from_env(region);
            let clients = Clients::connect(&endpoint).await;
            AppState {
                configs: Arc::new(S3ObjectStore::new(
                    clients.s3.clone(),
                    &config,
                    "configs",
                    Arc::new(ResiliencePolicy::aws("s3")),
                )?),
                registry: Arc::new(MlflowRegistry::from_env()?),
                verifier,
            }
        }
    };
    let address = SocketAddr::from(([0, 0, 0, 0], port));
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(())
}
