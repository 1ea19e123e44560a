//! Model versions in the MLflow registry, and notifications (reference §10.3, §21).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::operations::Severity;
use super::Timestamp;
use crate::{DomainError, Lifecycle, ModelStage, Result};

/// One version of a registered model (registry `tradai-models`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub model_name: String,
    /// The registry's version number, as text (`"3"`).
    pub version: String,
    pub stage: ModelStage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Backtest metrics of the run (profit_total, sharpe_ratio, max_drawdown, win_rate, …).
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// Tags such as `trace_id` and `config_version_id`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub created_at: Timestamp,
}

impl ModelVersion {
    /// This version moved to `stage`, if the lifecycle allows it.
    pub fn with_stage(&self, stage: ModelStage) -> Result<ModelVersion> {
        self.stage
            .transition(stage)
            .map_err(|e| DomainError::Conflict(e.to_string()))?;
        Ok(ModelVersion {
            stage,
            ..self.clone()
        })
    }
}

/// What a notification is about (notify-completion, reference §10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationType {
    RetrainingSuccess,
    RetrainingFailed,
    BacktestComplete,
    DeploymentSuccess,
    DeploymentFailed,
    DataCollection,
    ModelPromoted,
    DriftDetected,
    Generic,
}

/// A notification to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub notification_type: NotificationType,
    pub title: String,
    pub message: String,
    #[serde(default = "info")]
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

fn info() -> Severity {
    Severity::Info
}

impl Notification {
    /// The unit of throttling: repeats of the same type about the same model or strategy.
    pub fn throttle_key(&self) -> String {
        let subject = self
            .model_name
            .as_deref()
            .or(self.strategy_name.as_deref())
            .unwrap_or("-");
        let kind = serde_json::to_value(self.notification_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("{kind}#{subject}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_moves_through_the_registry_lifecycle() {
        let v = ModelVersion {
            model_name: "PascalStrategy".into(),
            version: "3".into(),
            stage: ModelStage::Staging,
            run_id: Some("r1".into()),
            metrics: BTreeMap::from([("sharpe_ratio".to_owned(), 1.4)]),
            tags: BTreeMap::new(),
            created_at: "2026-01-01T00:00:00Z".parse().expect("time"),
        };
        assert_eq!(
            v.with_stage(ModelStage::Production).expect("promote").stage,
            ModelStage::Production
        );
        let err = v.with_stage(ModelStage::None).expect_err("no way back");
        assert_eq!(err.to_string(), "conflict: model version cannot move from Staging to None: allowed from Staging: Production, Archived");
    }

    #[test]
    fn notifications_parse_the_lambda_contract_and_throttle_per_subject() {
        let n: Notification = serde_json::from_str(r#"{"notification_type":"DRIFT_DETECTED","title":"Drift","message":"PSI 0.3","model_name":"PascalStrategy"}"#).expect("valid");
        assert_eq!(n.severity, Severity::Info, "severity defaults to INFO");
        assert_eq!(n.throttle_key(), "DRIFT_DETECTED#PascalStrategy");
        assert!(serde_json::from_str::<Notification>(
            r#"{"notification_type":"PAGE","title":"t","message":"m"}"#
        )
        .is_err());
    }
}
