//! Entities and the records of the state tables.

mod backtest;
mod config_version;
mod market;
mod models;
mod operations;
mod registry;
mod search_space;
mod strategy;
mod time;
mod trading;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use backtest::{BacktestConfig, BacktestJob, JobError, JobMessage};
pub use config_version::ConfigVersion;
pub use market::{Candle, FundingRate, Symbol, Timeframe};
pub use models::{
    DriftRecord, DriftSeverity, MetricDrift, RetrainingRecord, RetrainingTrigger, RollbackReason,
    RollbackRecord,
};
pub use operations::{
    DeploymentRecord, DeploymentStatus, IdempotencyRecord, InfraDriftRecord, NotificationRecord,
    Severity, ShadowTest, ShadowTestStatus,
};
pub use registry::{ModelVersion, Notification, NotificationType};
pub use search_space::{apply, Parameter, Point, SearchSpace, MAX_CHOICES, MAX_PARAMETERS};
pub use strategy::{merge, ConfigIssue, Direction, Signal, StrategyConfig};
pub use time::Timestamp;
pub use trading::{HealthRecord, HealthState, TradingMode, TradingSession};

/// A record stored in one of the DynamoDB tables of the canonical config. Its key attributes are named by that
/// table's config (partition key, sort key, TTL attribute); a test checks that every record carries them.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Key of its table in the canonical config (`tables.<TABLE>`).
    const TABLE: &'static str;
}
