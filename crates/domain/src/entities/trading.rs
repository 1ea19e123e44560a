//! Service health and trading sessions.

use serde::{Deserialize, Serialize};

use super::{Record, Timestamp};
use crate::TradingStatus;

/// Health of one service or heartbeat, kept by the health-check Lambdas (`tradai-health-state-<env>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthRecord {
    /// The service (`backend-api`), or `heartbeat#<strategy_id>` for trading heartbeats.
    pub service_name: String,
    pub status: HealthState,
    /// Failed checks in a row; an alert fires at the configured threshold and the count resets on success.
    pub consecutive_failures: u32,
    pub last_checked: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Expiry (epoch seconds).
    pub ttl: i64,
}

impl Record for HealthRecord {
    const TABLE: &'static str = "health-state";
}

/// Result of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    Healthy,
    Unhealthy,
}

/// A live or dry-run trading session (`tradai-trading-state-<env>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradingSession {
    pub strategy_id: String,
    pub status: TradingStatus,
    pub mode: TradingMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    pub updated_at: Timestamp,
}

impl Record for TradingSession {
    const TABLE: &'static str = "trading-state";
}

/// Real money or paper trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TradingMode {
    Live,
    DryRun,
}
