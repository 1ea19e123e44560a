//! `tradai-strategy --env ENV [--port PORT] [--adapters memory|aws] [--sweeps stepfunctions|local]`: the
//! strategy service. In-memory adapters
//! (the embedded default) start with the bundled sample strategies; `aws` reads the configs bucket of the
//! environment (or the emulator at `AWS_ENDPOINT_URL`) and requires the MLflow server at `MLFLOW_TRACKING_URI`.
//! Tokens are verified against the Cognito pool named by `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS` and
//! `AWS_REGION`. Flags → config → ports (`tradai-platform`) → serve.

use std::sync::Arc;

use clap::Parser;
use tradai_platform::settings::process_env;
use tradai_platform::{Adapters, Platform};
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::startup;
use tradai_strategy::settings::{Args, SweepRunner, MLFLOW_TRACKING_URI};
use tradai_strategy::{router, seed_samples, AppState};

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let (config, address) = match startup::prepare(&args.service, "strategy-service")? {
        Ok(prepared) => prepared,
        Err(probed) => return Ok(probed),
    };
    let (_, verifier) = startup::cognito_from_env(&config)?;
    if args.service.adapters == Adapters::Aws {
        MLFLOW_TRACKING_URI.url(&process_env)?;
    }
    let platform = Platform::start(&config, args.service.adapters).await?;
    let runner = args.sweeps.unwrap_or(match args.service.adapters {
        Adapters::Aws => SweepRunner::Stepfunctions,
        Adapters::Memory => SweepRunner::Local,
    });
    let state = AppState::on_platform(&config, &platform, runner, Arc::new(verifier)).await?;
    if args.service.adapters == Adapters::Memory {
        seed_samples(&state).await?;
    }
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(std::process::ExitCode::SUCCESS)
}
