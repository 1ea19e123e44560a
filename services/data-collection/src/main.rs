//! `tradai-data-collection --env ENV [--port PORT] [--adapters memory|aws]`: the data-collection service.
//! In-memory adapters (the embedded default) keep candles in memory and take them from the recorded Binance
//! pages; `aws` keeps them in the environment's market-data bucket (or the emulator at `AWS_ENDPOINT_URL`)
//! and fetches from Binance USD-M futures at `BINANCE_FUTURES_URL` (default https://fapi.binance.com).
//! Tokens are verified against the Cognito pool named by `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS` and
//! `AWS_REGION`. Flags → config → ports (`tradai-platform`) → serve.

use std::sync::Arc;

use clap::Parser;
use tradai_data_collection::settings::Args;
use tradai_data_collection::{router, AppState};
use tradai_platform::Platform;
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::startup;

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let (config, address) = match startup::prepare(&args.service, "data-collection")? {
        Ok(prepared) => prepared,
        Err(probed) => return Ok(probed),
    };
    let (_, verifier) = startup::cognito_from_env(&config)?;
    let platform = Platform::start(&config, args.service.adapters).await?;
    let state = AppState::from_ports(&platform.ports, Arc::new(verifier));
    tradai_service_kit::serve(address, router(state, &HttpOptions::default())).await?;
    Ok(std::process::ExitCode::SUCCESS)
}
