//! Logs and alarms.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoggingSettings {
    /// Retention of every log group, in days (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, …).
    pub retention_days: u32,
}

/// Alarm thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmSettings {
    /// API latency (p95) above which `tradai-<env>-api-latency-high` fires, in ms.
    pub api_latency_ms: u32,
    /// Minutes without a trading heartbeat before `tradai-<env>-heartbeat-stale` fires.
    pub heartbeat_stale_minutes: u32,
    /// Lambda errors per period that fire an alarm.
    pub lambda_errors_threshold: u32,
    /// Alarm evaluation period in seconds (a multiple of 60).
    pub period_seconds: u32,
}
