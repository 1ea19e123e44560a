//! What the handlers share: the ports and the verifier.

use std::sync::Arc;

use axum::extract::FromRef;
use tradai_domain::entities::{ConfigVersion, IdempotencyRecord};
use tradai_domain::ports::{
    Executor, JobRepository, LogReader, ObjectStore, RecordStore, TaskRunner, Transactor,
};
use tradai_platform::Ports;
use tradai_service_kit::auth::Verifier;

/// The backend's dependencies.
#[derive(Clone)]
pub struct AppState {
    pub jobs: JobRepository,
    pub idempotency: Arc<dyn RecordStore<IdempotencyRecord>>,
    /// Creates an idempotency claim and its job in one write.
    pub transactions: Arc<dyn Transactor>,
    pub configs: Arc<dyn RecordStore<ConfigVersion>>,
    /// The results bucket.
    pub results: Arc<dyn ObjectStore>,
    /// Strategy containers on ECS.
    pub operations: Operations,
    /// Where strategy, promotion and model routes are forwarded.
    pub strategy_service: crate::routes::proxy::StrategyService,
    pub executor: Arc<dyn Executor>,
    pub verifier: Arc<Verifier>,
    /// Open event streams per caller.
    pub streams: tradai_service_kit::streams::Streams,
    /// `backend` and the crate version, for health.
    pub service: &'static str,
}

/// Where strategy containers run: the task runner and the (family, container) of each trading mode; where
/// their logs are: the log reader, the cluster's log group and each mode's stream prefix.
#[derive(Clone)]
pub struct Operations {
    pub runner: Arc<dyn TaskRunner>,
    pub live: (String, String),
    pub dry_run: (String, String),
    pub logs: Arc<dyn LogReader>,
    pub log_group: String,
    /// `(mode, stream prefix)`: a task's stream is `<prefix>/<task id>`.
    pub log_streams: [(&'static str, String); 2],
}

impl std::fmt::Debug for Operations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operations")
            .field("live", &self.live)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

impl Operations {
    /// The per-strategy families of `config` (`live-trading`, `dry-run-trading`) on `runner`, their logs read
    /// through `logs`.
    pub fn new(
        config: &tradai_config::Config,
        runner: Arc<dyn TaskRunner>,
        logs: Arc<dyn LogReader>,
    ) -> Self {
        let family = |key: &str| {
            (
                config
                    .names()
                    .ecs_service(config.service_component(key).unwrap_or(key)),
                key.to_owned(),
            )
        };
        let names = config.names();
        let stream = |key: &str| names.ecs_log_stream_prefix(key) + "/" + key;
        Operations {
            runner,
            live: family("live-trading"),
            dry_run: family("dry-run-trading"),
            logs,
            log_group: names.ecs_log_group(),
            log_streams: [
                ("live", stream("live-trading")),
                ("dry-run", stream("dry-run-trading")),
            ],
        }
    }
}

impl AppState {
    /// The backend over the platform's `ports`, handing jobs to `executor` and forwarding strategy routes to
    /// `strategy_url`.
    pub fn new(
        config: &tradai_config::Config,
        ports: &Ports,
        executor: Arc<dyn Executor>,
        strategy_url: &str,
        verifier: Arc<Verifier>,
    ) -> Self {
        AppState {
            jobs: ports.jobs.clone(),
            idempotency: ports.idempotency.clone(),
            transactions: ports.transactions.clone(),
            configs: ports.config_versions.clone(),
            results: ports.results.clone(),
            operations: Operations::new(config, ports.tasks.clone(), ports.logs.clone()),
            strategy_service: crate::StrategyService::new(strategy_url),
            executor,
            verifier,
            streams: Default::default(),
            service: "backend",
        }
    }

    /// [`AppState::new`] over `platform` with the executor of `kind`: how the binary, the emulator tests and
    /// the fuzzer all build it.
    pub async fn on_platform(
        config: &tradai_config::Config,
        platform: &tradai_platform::Platform,
        kind: tradai_platform::ExecutorKind,
        strategy_url: &str,
        verifier: Arc<Verifier>,
    ) -> tradai_domain::Result<Self> {
        let executor = tradai_local_executor::executor(kind, config, platform).await?;
        Ok(AppState::new(
            config,
            &platform.ports,
            executor,
            strategy_url,
            verifier,
        ))
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("executor", &self.executor.name())
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}
