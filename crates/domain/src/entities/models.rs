//! Model drift, retraining and rollback records.

use serde::{Deserialize, Serialize};

use super::{Record, Timestamp};
use crate::RetrainingStatus;

/// Latest drift evaluation of a model (`tradai-drift-state-<env>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftRecord {
    pub model_name: String,
    pub checked_at: Timestamp,
    pub overall_psi: f64,
    pub severity: DriftSeverity,
    pub metric_drifts: Vec<MetricDrift>,
    pub requires_attention: bool,
}

impl Record for DriftRecord {
    const TABLE: &'static str = "drift-state";
}

/// PSI bands of reference §22: < 0.10 none, 0.10–0.25 moderate, > 0.25 significant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftSeverity {
    None,
    Moderate,
    Significant,
}

impl DriftSeverity {
    /// The band of a PSI value for the given thresholds.
    pub fn classify(psi: f64, moderate: f64, significant: f64) -> Self {
        if psi > significant {
            DriftSeverity::Significant
        } else if psi >= moderate {
            DriftSeverity::Moderate
        } else {
            DriftSeverity::None
        }
    }
}

/// Drift of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDrift {
    pub metric: String,
    pub psi: f64,
}

/// Retraining state of a model (`tradai-retraining-state-<env>`): the current run and the last success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainingRecord {
    pub model_name: String,
    pub status: RetrainingStatus,
    pub trigger: RetrainingTrigger,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_retrained: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    /// The retraining workflow execution that last wrote the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_execution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub updated_at: Timestamp,
}

impl Record for RetrainingRecord {
    const TABLE: &'static str = "retraining-state";
}

/// Why a retraining started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetrainingTrigger {
    Manual,
    DriftDetected,
    Scheduled,
}

/// One rollback of a model (`tradai-rollback-state-<env>`, newest first per model for the cooldown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollbackRecord {
    pub model_name: String,
    pub rolled_back_at: Timestamp,
    pub from_version: String,
    pub to_version: String,
    pub reason: RollbackReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<String>,
}

impl Record for RollbackRecord {
    const TABLE: &'static str = "rollback-state";
}

/// Why a model was rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RollbackReason {
    ManualRequest,
    PerformanceDegradation,
    TestFailure,
    DriftSevere,
}

#[cfg(test)]
mod tests {
    use super::DriftSeverity;

    #[test]
    fn psi_bands_follow_the_reference_thresholds() {
        assert_eq!(
            DriftSeverity::classify(0.05, 0.1, 0.25),
            DriftSeverity::None
        );
        assert_eq!(
            DriftSeverity::classify(0.1, 0.1, 0.25),
            DriftSeverity::Moderate
        );
        assert_eq!(
            DriftSeverity::classify(0.25, 0.1, 0.25),
            DriftSeverity::Moderate
        );
        assert_eq!(
            DriftSeverity::classify(0.26, 0.1, 0.25),
            DriftSeverity::Significant
        );
    }
}
