//! The three services' state for `tradai local up`: on in-memory adapters (the embedded default), or on AWS
//! adapters against an emulator (`--aws-endpoint`) after provisioning the config's tables, buckets, queues and
//! topics there. Either way backtests run in this process (the local executor) on the strategy service's
//! configs and data collection's candles, and data collection syncs from the recorded Binance pages (offline).

use std::sync::Arc;

use anyhow::Context as _;
use tradai_aws::{Clients, Endpoint, S3ObjectStore};
use tradai_backend::adapters::{self, ExecutorKind, RunnerStores};
use tradai_config::Config;
use tradai_domain::ports::{ModelRegistry, ObjectStore};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_service_kit::auth::Verifier;

/// The services' states.
pub struct States {
    pub backend: tradai_backend::AppState,
    pub strategy: tradai_strategy::AppState,
    pub data: tradai_data_collection::AppState,
    /// What the banner says about the adapters.
    pub adapters: String,
}

fn recorded() -> anyhow::Result<Arc<tradai_market::RecordedSource>> {
    Ok(Arc::new(tradai_market::RecordedSource::new(
        tradai_market::Recording::bundled()?,
    )))
}

/// The backend's executor: the backtest workflow in this process over the other two services' stores.
fn local_executor(
    config: &Config,
    backend: &mut tradai_backend::AppState,
    strategy: &tradai_strategy::AppState,
    data: &tradai_data_collection::AppState,
) -> anyhow::Result<()> {
    backend.executor = adapters::local_executor(
        config,
        &backend.jobs,
        backend.results.clone(),
        RunnerStores {
            configs: strategy.configs.clone(),
            market: data.store.clone(),
            source: data.source.clone(),
            registry: Some(strategy.registry.clone()),
        },
    )?;
    Ok(())
}

/// In-memory adapters.
pub async fn memory(config: &Config, verifier: Arc<Verifier>) -> anyhow::Result<States> {
    let strategy = tradai_strategy::AppState::in_memory(verifier.clone()).await?;
    let data = tradai_data_collection::AppState::in_memory(verifier.clone())?;
    let mut backend = adapters::memory(config, ExecutorKind::Sqs, verifier)?;
    local_executor(config, &mut backend, &strategy, &data)?;
    Ok(States {
        backend,
        strategy,
        data,
        adapters: "in-memory adapters".into(),
    })
}

/// AWS adapters against the emulator at `url`, provisioned from the config first. The model registry is
/// MLflow at `MLFLOW_TRACKING_URI` when that is set, else in memory.
pub async fn emulator(
    config: &Config,
    url: &str,
    verifier: Arc<Verifier>,
) -> anyhow::Result<States> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        anyhow::bail!("--aws-endpoint {url}: expected an http:// or https:// URL (e.g. http://localhost:4566)");
    }
    let endpoint = Endpoint::Emulator {
        region: config.settings().aws.region.clone(),
        url: url.to_owned(),
    };
    let clients = Clients::connect(&endpoint).await;
    tradai_aws::provision::all(&clients, config)
        .await
        .with_context(|| format!("--aws-endpoint {url}: provisioning the dev config's resources failed (is the emulator running?)"))?;
    let bucket = |key: &str| -> anyhow::Result<Arc<dyn ObjectStore>> {
        Ok(Arc::new(S3ObjectStore::new(
            clients.s3.clone(),
            config,
            key,
            Arc::new(ResiliencePolicy::aws("s3")),
        )?))
    };
    let registry: Arc<dyn ModelRegistry> = match std::env::var("MLFLOW_TRACKING_URI") {
        Ok(uri) if !uri.is_empty() => Arc::new(tradai_mlflow::MlflowRegistry::new(&uri, None)?),
        _ => Arc::new(tradai_memory::MemoryModelRegistry::new()),
    };
    let strategy = tradai_strategy::AppState {
        configs: bucket("configs")?,
        registry,
        verifier: verifier.clone(),
    };
    tradai_strategy::seed_samples(&strategy).await?;
    let data = tradai_data_collection::AppState::new(
        Arc::new(tradai_market::ParquetStore::new(bucket("arcticdb")?)),
        recorded()?,
        verifier.clone(),
    );
    let mut backend = adapters::aws(config, &clients, ExecutorKind::Sqs, verifier).await?;
    local_executor(config, &mut backend, &strategy, &data)?;
    Ok(States {
        backend,
        strategy,
        data,
        adapters: format!("AWS adapters on the emulator at {url}"),
    })
}
