//! [`Ports`]: every side effect of the platform behind its port, built once. The services take the parts
//! they serve; the local executor takes the parts its workflow's tasks use.

use std::sync::Arc;

use tradai_config::Config;
use tradai_domain::entities::{
    ConfigVersion, DriftRecord, HealthRecord, IdempotencyRecord, InfraDriftRecord,
    NotificationRecord, RetrainingRecord, RollbackRecord, TradingSession,
};
use tradai_domain::ports::{
    CandleSource, JobRepository, LogReader, MarketStore, ModelRegistry, Notifier, ObjectStore,
    RecordStore, TaskRunner, Transactor,
};
use tradai_domain::Result;

/// The platform's ports.
#[derive(Clone)]
pub struct Ports {
    /// Backtest jobs (`workflow-state`).
    pub jobs: JobRepository,
    pub idempotency: Arc<dyn RecordStore<IdempotencyRecord>>,
    /// Atomic creates across these tables (an idempotency claim and its job).
    pub transactions: Arc<dyn Transactor>,
    pub config_versions: Arc<dyn RecordStore<ConfigVersion>>,
    pub notifications: Arc<dyn RecordStore<NotificationRecord>>,
    pub retraining: Arc<dyn RecordStore<RetrainingRecord>>,
    pub drift: Arc<dyn RecordStore<DriftRecord>>,
    /// Model rollbacks (model-rollback's cooldown).
    pub rollbacks: Arc<dyn RecordStore<RollbackRecord>>,
    /// Service and trading-session health (health-check, trading-heartbeat-check).
    pub health: Arc<dyn RecordStore<HealthRecord>>,
    /// Trading sessions.
    pub sessions: Arc<dyn RecordStore<TradingSession>>,
    /// Infrastructure drift per stack (pulumi-drift-detector).
    pub infra_drift: Arc<dyn RecordStore<InfraDriftRecord>>,
    /// The results bucket.
    pub results: Arc<dyn ObjectStore>,
    /// The strategy configs bucket.
    pub configs: Arc<dyn ObjectStore>,
    /// Candles (Parquet in the market-data bucket).
    pub market: Arc<dyn MarketStore>,
    /// Where missing candles are fetched.
    pub source: Arc<dyn CandleSource>,
    pub registry: Arc<dyn ModelRegistry>,
    /// Tasks of the environment's ECS cluster.
    pub tasks: Arc<dyn TaskRunner>,
    /// The containers' logs.
    pub logs: Arc<dyn LogReader>,
    /// Alerts and notifications.
    pub notifier: Arc<dyn Notifier>,
    /// What the adapters are, as a banner says it.
    pub description: String,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Ports {
    /// Every port on in-memory adapters: the embedded default (no external process); candles come from the
    /// recorded Binance pages.
    pub fn memory(config: &Config) -> Result<Ports> {
        Ok(crate::MemoryPorts::new(config)?.ports())
    }

    /// These ports with candles fetched from `source` instead (e.g. recorded pages on a local platform).
    pub fn with_source(mut self, source: Arc<dyn CandleSource>) -> Ports {
        self.source = source;
        self
    }
}
