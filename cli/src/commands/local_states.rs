//! The three services' state for `tradai local up`, all over one set of ports from the composition root
//! (`tradai-platform`): in memory (the embedded default), or on AWS adapters against an emulator
//! (`--aws-endpoint`) after creating there the data plane the stacks plan for the config (the twin's
//! provisioning, decision W41). Either way
//! backtests run in this process (the local executor) on the strategy service's configs and data collection's
//! candles, and data collection syncs from the recorded Binance pages (offline).

use std::sync::Arc;

#[cfg(feature = "aws")]
use anyhow::Context as _;
use tradai_config::{Config, ConfigDir};
use tradai_platform::Platform;
use tradai_service_kit::auth::Verifier;

/// The services' states.
pub struct States {
    pub backend: tradai_backend::AppState,
    pub strategy: tradai_strategy::AppState,
    pub data: tradai_data_collection::AppState,
    /// What the banner says about the adapters.
    pub adapters: String,
}

/// The platform on the emulator at `url`, after the planned graph's data plane is created there. The model registry is MLflow at
/// `MLFLOW_TRACKING_URI` when that is set, else in memory.
#[cfg(feature = "aws")]
async fn emulator(config: &Config, dir: &ConfigDir, url: &str) -> anyhow::Result<Platform> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("--aws-endpoint {url}: expected an http:// or https:// URL (e.g. http://localhost:4566)");
    }
    use tradai_platform::{AwsSettings, Backing};
    let endpoint = tradai_aws::Endpoint::Emulator {
        region: config.settings().aws.region.clone(),
        url: url.to_owned(),
    };
    let platform = Platform::aws(config, &endpoint, &AwsSettings::from_env()?).await?;
    if let Backing::Aws(clients) = &platform.backing {
        super::twin::provision_planned(config, dir, clients)
            .await
            .with_context(|| format!("--aws-endpoint {url}: creating the planned resources failed (is the emulator running?)"))?;
    }
    Ok(platform)
}

/// Without the AWS adapters, `--aws-endpoint` says how to get them.
#[cfg(not(feature = "aws"))]
async fn emulator(_config: &Config, _dir: &ConfigDir, url: &str) -> anyhow::Result<Platform> {
    anyhow::bail!(
        "--aws-endpoint {url}: this tradai was built without the AWS adapters; run it with \
         cargo run -p tradai-cli --features aws -- local up --aws-endpoint {url}"
    )
}

/// The states on in-memory adapters, or on the emulator at `aws_endpoint`.
pub async fn build(
    config: &Config,
    dir: &ConfigDir,
    aws_endpoint: Option<&str>,
    verifier: Arc<Verifier>,
) -> anyhow::Result<States> {
    let ports = match aws_endpoint {
        // Offline: candles come from the recorded pages, as in memory.
        Some(url) => emulator(config, dir, url)
            .await?
            .ports
            .with_source(Arc::new(tradai_market::RecordedSource::new(
                tradai_market::Recording::bundled()?,
            ))),
        None => Platform::memory(config)?.ports,
    };
    let strategy = tradai_strategy::AppState::local(config, &ports, verifier.clone())?;
    tradai_strategy::seed_samples(&strategy).await?;
    let data = tradai_data_collection::AppState::from_ports(&ports, verifier.clone());
    let executor = Arc::new(tradai_local_executor::LocalExecutor::new(config, &ports)?);
    // The strategy service's address is known once it listens; `local up` sets it then.
    let backend =
        tradai_backend::AppState::new(config, &ports, executor, "http://127.0.0.1:8003", verifier);
    Ok(States {
        backend,
        strategy,
        data,
        adapters: ports.description.clone(),
    })
}
