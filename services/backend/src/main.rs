//! `tradai-backend --env ENV [--port PORT] [--executor sqs|stepfunctions|ecs|local] [--adapters memory|aws]`.
//! In-memory adapters are the embedded default; `aws` uses the account of the environment's credentials, or the
//! emulator at `AWS_ENDPOINT_URL`. Tokens are verified against the Cognito pool named by
//! `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS` and `AWS_REGION` (the compute layer sets them on the task).
//! Strategy routes are forwarded to `STRATEGY_SERVICE_URL`, else the strategy service's Cloud Map URL.
//! Flags → config → ports (`tradai-platform`) → serve.

use std::sync::Arc;

use clap::Parser;
use tradai_backend::settings::{Args, STRATEGY_SERVICE_URL};
use tradai_backend::{router, AppState};
use tradai_platform::settings::process_env;
use tradai_platform::Platform;
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::startup;

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let (config, address) = match startup::prepare(&args.service, "backend-api")? {
        Ok(prepared) => prepared,
        Err(probed) => return Ok(probed),
    };
    let (_, verifier) = startup::cognito_from_env(&config)?;
    let strategy_url = STRATEGY_SERVICE_URL
        .url(&process_env)?
        .or_else(|| config.service_url("strategy-service"))
        .unwrap_or_else(|| "http://127.0.0.1:8003".into());
    let platform = Platform::start(&config, args.service.adapters).await?;
    let state = AppState::on_platform(
        &config,
        &platform,
        args.executor,
        &strategy_url,
        Arc::new(verifier),
    )
    .await?;
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(std::process::ExitCode::SUCCESS)
}
