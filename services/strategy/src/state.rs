//! The service's state: the configs bucket, the model registry, the sweeps (the results bucket and the
//! hyperopt workflow) and the token verifier, from the platform's ports; and the bundled sample strategies.

use std::sync::Arc;

use axum::extract::FromRef;
use tradai_domain::ports::{ModelRegistry, ObjectStore};
use tradai_service_kit::auth::Verifier;

use crate::routes::configs;
use crate::settings::SweepRunner;
use crate::sweeps::{Sweeps, WORKFLOW};

/// The service's dependencies.
#[derive(Clone)]
pub struct AppState {
    /// The configs bucket.
    pub configs: Arc<dyn ObjectStore>,
    /// The model registry (MLflow, or its in-memory twin).
    pub registry: Arc<dyn ModelRegistry>,
    /// Hyperopt sweeps.
    pub sweeps: Sweeps,
    pub verifier: Arc<Verifier>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The sample strategies shipped with the service (seeded into in-memory stores).
pub const SAMPLES: [&str; 1] = [include_str!("../strategies/sma-crossover.json")];

impl AppState {
    /// The service over the platform's configs bucket and model registry, its sweeps run by `workflow`.
    pub fn new(
        config: &tradai_config::Config,
        ports: &tradai_platform::Ports,
        workflow: Arc<dyn tradai_domain::ports::WorkflowStarter>,
        verifier: Arc<Verifier>,
    ) -> AppState {
        AppState {
            configs: ports.configs.clone(),
            registry: ports.registry.clone(),
            sweeps: Sweeps::new(
                config,
                ports.results.clone(),
                ports.config_versions.clone(),
                workflow,
            ),
            verifier,
        }
    }

    /// The service over `ports`, its sweeps run in this process (the local platform and the tests).
    pub fn local(
        config: &tradai_config::Config,
        ports: &tradai_platform::Ports,
        verifier: Arc<Verifier>,
    ) -> tradai_domain::Result<AppState> {
        let sweeps = tradai_local_executor::LocalSweeps::new(config, ports)?;
        Ok(AppState::new(config, ports, Arc::new(sweeps), verifier))
    }

    /// [`AppState::new`] over `platform`, its sweeps run by `runner`: how the binary builds it.
    pub async fn on_platform(
        config: &tradai_config::Config,
        platform: &tradai_platform::Platform,
        runner: SweepRunner,
        verifier: Arc<Verifier>,
    ) -> tradai_domain::Result<AppState> {
        match runner {
            SweepRunner::Local => AppState::local(config, &platform.ports, verifier),
            SweepRunner::Stepfunctions => {
                let workflow = platform.workflow(config, WORKFLOW).await?;
                Ok(AppState::new(config, &platform.ports, workflow, verifier))
            }
        }
    }
}

/// Store every bundled sample strategy in `state`'s configs bucket.
pub async fn seed_samples(state: &AppState) -> Result<(), tradai_domain::DomainError> {
    for sample in SAMPLES {
        let document: serde_json::Value = serde_json::from_str(sample).map_err(|e| {
            tradai_domain::DomainError::Configuration(format!("a bundled sample is not JSON: {e}"))
        })?;
        let strategy =
            tradai_domain::entities::StrategyConfig::parse(&document).map_err(|issues| {
                tradai_domain::DomainError::Configuration(format!(
                    "a bundled sample is invalid: {issues:?}"
                ))
            })?;
        configs::store(state, &strategy).await?;
    }
    Ok(())
}
