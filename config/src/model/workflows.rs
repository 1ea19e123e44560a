//! Step Functions workflows.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One state machine (`<key>` → `tradai-<key>-workflow-<env>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    /// STANDARD (long-running, 90 days of history) or EXPRESS (at most 300 s).
    #[serde(rename = "type")]
    pub kind: WorkflowKind,
    /// Whole-execution timeout in seconds.
    pub timeout_seconds: u32,
    /// Retry policy of its Lambda task states for transient errors.
    pub lambda_retry: RetrySpec,
    /// Its distributed Map's bounds (the hyperopt workflow's trial batches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<MapSpec>,
}

/// How a workflow's distributed Map runs its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MapSpec {
    /// Child executions at once (1 to 10,000; each runs one ECS task).
    pub max_concurrency: u32,
    /// The share of items that may fail before the Map fails, in percent (0 to 100).
    pub tolerated_failure_percentage: u32,
    /// Trials per item (one ECS task each).
    pub trials_per_item: u32,
}

impl WorkflowSpec {
    /// The whole-execution timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.into())
    }
}

/// Step Functions workflow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkflowKind {
    Standard,
    Express,
}

/// A Step Functions Retry block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Seconds before the first retry.
    pub interval_seconds: u32,
    /// Retries after the first attempt (0 to 10).
    pub max_attempts: u32,
    /// Multiplier of the interval per retry (1.0 to 10.0).
    pub backoff_rate: f64,
    /// Cap of the interval in seconds.
    pub max_delay_seconds: u32,
}
