//! Operational records: notifications, idempotency keys, infrastructure drift, deployments and shadow tests.

use serde::{Deserialize, Serialize};

use super::{Record, Timestamp};

/// A sent notification, kept to throttle repeats (`tradai-notifications-<env>`, 24 h TTL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRecord {
    /// `<notification_type>#<subject>`: the unit of throttling.
    pub throttle_key: String,
    pub notification_type: String,
    pub severity: Severity,
    pub sent_at: Timestamp,
    pub ttl: i64,
}

impl Record for NotificationRecord {
    const TABLE: &'static str = "notifications";
}

/// Notification severity (reference §10.3): INFO and WARNING are throttled, ERROR and CRITICAL never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    /// Whether repeats of this severity are throttled.
    pub fn is_throttled(self) -> bool {
        matches!(self, Severity::Info | Severity::Warning)
    }
}

/// An `Idempotency-Key` and the job it created (`tradai-idempotency-<env>`, 24 h TTL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub idempotency_key: String,
    pub job_id: String,
    /// Hash of the request body: the same key with another body is a conflict.
    pub request_hash: String,
    pub created_at: Timestamp,
    pub ttl: i64,
}

impl Record for IdempotencyRecord {
    const TABLE: &'static str = "idempotency";
}

/// One infrastructure drift check of a stack (`tradai-infra-drift-state-<env>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfraDriftRecord {
    pub stack_name: String,
    pub checked_at: Timestamp,
    pub has_drift: bool,
    pub resources_to_create: u32,
    pub resources_to_update: u32,
    pub resources_to_delete: u32,
    pub resources_unchanged: u32,
    #[serde(default)]
    pub drift_details: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub ttl: i64,
}

impl Record for InfraDriftRecord {
    const TABLE: &'static str = "infra-drift-state";
}

/// One deployment of a service (`tradai-deployments-<env>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    pub service_name: String,
    pub deployed_at: Timestamp,
    pub deployment_id: String,
    pub image_tag: String,
    pub status: DeploymentStatus,
    pub actor: String,
}

impl Record for DeploymentRecord {
    const TABLE: &'static str = "deployments";
}

/// Outcome of a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentStatus {
    InProgress,
    Succeeded,
    Failed,
    RolledBack,
}

/// A shadow (paper) test of a challenger model next to the champion (`tradai-shadow-test-state-<env>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShadowTest {
    pub test_id: String,
    pub strategy_name: String,
    pub champion_version: String,
    pub challenger_version: String,
    pub status: ShadowTestStatus,
    pub started_at: Timestamp,
    pub ends_at: Timestamp,
    #[serde(default)]
    pub metrics: serde_json::Value,
}

impl Record for ShadowTest {
    const TABLE: &'static str = "shadow-test-state";
}

/// State of a shadow test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShadowTestStatus {
    Running,
    Completed,
    Aborted,
}
