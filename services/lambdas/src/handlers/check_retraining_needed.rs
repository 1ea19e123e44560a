//! check-retraining-needed (§10.2 #5, §10.3): whether a model needs retraining, in the reference's order —
//! invalid or not allowed → `invalid_model`; `force`/`manual_trigger` → `needs_retraining` (manual); trained
//! less than `MIN_HOURS_BETWEEN_RETRAINING` ago → `recently_trained`; significant drift → `needs_retraining`
//! (drift_detected); `RETRAINING_INTERVAL_DAYS` or more since the last training (or never trained) →
//! `needs_retraining` (scheduled); otherwise `no_retraining`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::Function;
use tradai_domain::entities::{
    DriftRecord, DriftSeverity, RetrainingRecord, RetrainingTrigger, Timestamp,
};
use tradai_domain::ports::{RecordKey, RecordStore};

use crate::input::Text;
use crate::HandlerError;

/// Settings (`RETRAINING_INTERVAL_DAYS`, `MIN_HOURS_BETWEEN_RETRAINING`, `ALLOWED_MODELS`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub interval_days: i64,
    pub min_hours: i64,
    /// Empty allows every model.
    pub allowed_models: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            interval_days: 7,
            min_hours: 24,
            allowed_models: Vec::new(),
        }
    }
}

/// The check-retraining-needed handler: the drift-state and retraining-state tables it reads, and its
/// settings. Its [`CheckRetrainingNeeded::decide`] is also retraining-scheduler's.
#[derive(Clone)]
pub struct CheckRetrainingNeeded {
    pub drift: Arc<dyn RecordStore<DriftRecord>>,
    pub retraining: Arc<dyn RecordStore<RetrainingRecord>>,
    pub settings: Settings,
}

crate::handler_debug!(CheckRetrainingNeeded, settings);

/// The question: which model, and whether the request is manual (`force` or `manual_trigger`).
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub model_name: Text,
    /// Only `true` counts (absent, null and `false` do not).
    #[serde(default)]
    pub force: Option<bool>,
    #[serde(default)]
    pub manual_trigger: Option<bool>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    InvalidModel,
    NeedsRetraining,
    RecentlyTrained,
    NoRetraining,
}

impl Verdict {
    /// Its word in the answer (`needs_retraining`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::InvalidModel => "invalid_model",
            Verdict::NeedsRetraining => "needs_retraining",
            Verdict::RecentlyTrained => "recently_trained",
            Verdict::NoRetraining => "no_retraining",
        }
    }
}

/// The answer: the verdict, why, and (unless the model is invalid) what it was decided from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub model_name: String,
    pub decision: Verdict,
    /// Why a retraining is needed (`null` when none is).
    pub trigger: Option<RetrainingTrigger>,
    pub reason: String,
    /// Absent for an invalid model.
    #[serde(flatten)]
    pub basis: Option<Basis>,
}

/// What a decision on a valid model was made from (each `null` when unknown).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Basis {
    pub hours_since_retrain: Option<i64>,
    pub days_since_retrain: Option<i64>,
    pub drift_severity: Option<DriftSeverity>,
    pub drift_psi: Option<f64>,
}

fn valid_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

impl CheckRetrainingNeeded {
    /// The check over the platform's drift-state and retraining-state tables.
    pub fn new(ports: &tradai_platform::Ports, settings: Settings) -> Self {
        CheckRetrainingNeeded {
            drift: ports.drift.clone(),
            retraining: ports.retraining.clone(),
            settings,
        }
    }

    /// Decide for `model` at `now`, `manual` when forced or manually triggered. A blank `model` is a
    /// `ValidationError` on `model_name`.
    pub async fn decide(
        &self,
        model: &str,
        manual: bool,
        now: Timestamp,
    ) -> Result<Decision, HandlerError> {
        if model.trim().is_empty() {
            return Err(HandlerError::invalid(
                "model_name",
                "a non-empty string is required",
            ));
        }
        let settings = &self.settings;
        let allowed = settings.allowed_models.is_empty()
            || settings.allowed_models.iter().any(|m| m == model);
        if !valid_name(model) || !allowed {
            let reason = if allowed {
                "the model name has characters a model name cannot have"
            } else {
                "the model is not in ALLOWED_MODELS"
            };
            return Ok(Decision {
                model_name: model.to_owned(),
                decision: Verdict::InvalidModel,
                trigger: None,
                reason: reason.to_owned(),
                basis: None,
            });
        }
        let key = RecordKey::partition(model);
        let last = self
            .retraining
            .get(&key)
            .await?
            .and_then(|r| r.last_retrained);
        let drift = self.drift.get(&key).await?;
        let hours = last.map(|t| (now.epoch_seconds() - t.epoch_seconds()) / 3600);
        let (decision, trigger, reason) = if manual {
            (
                Verdict::NeedsRetraining,
                Some(RetrainingTrigger::Manual),
                "a manual or forced request".to_owned(),
            )
        } else if hours.is_some_and(|h| h < settings.min_hours) {
            (
                Verdict::RecentlyTrained,
                None,
                format!("trained less than {} hours ago", settings.min_hours),
            )
        } else if drift
            .as_ref()
            .is_some_and(|d| d.severity == DriftSeverity::Significant)
        {
            (
                Verdict::NeedsRetraining,
                Some(RetrainingTrigger::DriftDetected),
                "significant drift".to_owned(),
            )
        } else if hours.is_none_or(|h| h >= settings.interval_days * 24) {
            let why = if hours.is_none() {
                "never trained".to_owned()
            } else {
                format!(
                    "{} days or more since the last training",
                    settings.interval_days
                )
            };
            (
                Verdict::NeedsRetraining,
                Some(RetrainingTrigger::Scheduled),
                why,
            )
        } else {
            (
                Verdict::NoRetraining,
                None,
                "trained recently enough and no significant drift".to_owned(),
            )
        };
        Ok(Decision {
            model_name: model.to_owned(),
            decision,
            trigger,
            reason,
            basis: Some(Basis {
                hours_since_retrain: hours,
                days_since_retrain: hours.map(|h| h / 24),
                drift_severity: drift.as_ref().map(|d| d.severity),
                drift_psi: drift.as_ref().map(|d| d.overall_psi),
            }),
        })
    }
}

impl crate::registry::Handler for CheckRetrainingNeeded {
    const FUNCTION: Function = Function::CheckRetrainingNeeded;
    type Input = Request;
    type Output = Decision;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(ports, settings))
    }

    /// Decide for the request at `now`.
    async fn handle(&self, request: Request, now: Timestamp) -> Result<Decision, HandlerError> {
        self.decide(
            &request.model_name,
            request.force == Some(true) || request.manual_trigger == Some(true),
            now,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tradai_domain::ports::TableLayout;
    use tradai_domain::RetrainingStatus;
    use tradai_memory::MemoryRecordStore;

    use super::*;
    use crate::registry::Serve;

    fn layout(table: &str) -> TableLayout {
        let config = tradai_test_support::config_with_prefix("lambda");
        TableLayout::from_spec(table, &config.settings().tables[table])
    }

    async fn decide(
        trained_hours_ago: Option<i64>,
        drift: Option<DriftSeverity>,
        input: Value,
        settings: Settings,
    ) -> Value {
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().expect("time");
        let drifts = MemoryRecordStore::<DriftRecord>::new(layout("drift-state"));
        let runs = MemoryRecordStore::<RetrainingRecord>::new(layout("retraining-state"));
        if let Some(hours) = trained_hours_ago {
            runs.put(&RetrainingRecord {
                model_name: "M".into(),
                status: RetrainingStatus::Completed,
                trigger: RetrainingTrigger::Scheduled,
                last_retrained: Some(now.plus_seconds(-hours * 3600)),
                task_arn: None,
                last_execution: None,
                error: None,
                updated_at: now,
            })
            .await
            .expect("put");
        }
        if let Some(severity) = drift {
            drifts
                .put(&DriftRecord {
                    model_name: "M".into(),
                    checked_at: now,
                    overall_psi: 0.3,
                    severity,
                    metric_drifts: vec![],
                    requires_attention: true,
                })
                .await
                .expect("put");
        }
        let check = CheckRetrainingNeeded {
            drift: Arc::new(drifts),
            retraining: Arc::new(runs),
            settings,
        };
        let answer = check.serve(input, now, "dev").await.expect("decision");
        answer["body"]["data"].clone()
    }

    fn model() -> Value {
        json!({"model_name": "M"})
    }

    #[tokio::test]
    async fn the_decision_order_of_the_reference() {
        let d = |v: &Value| {
            (
                v["decision"].as_str().unwrap_or_default().to_owned(),
                v["trigger"].as_str().unwrap_or("-").to_owned(),
            )
        };
        let only = Settings {
            allowed_models: vec!["Other".into()],
            ..Settings::default()
        };
        assert_eq!(
            decide(None, None, model(), only).await,
            json!({"model_name": "M", "decision": "invalid_model", "trigger": null,
                   "reason": "the model is not in ALLOWED_MODELS"}),
            "an invalid model's answer has no basis"
        );
        assert_eq!(
            d(&decide(
                None,
                None,
                json!({"model_name": "bad name!"}),
                Settings::default()
            )
            .await)
            .0,
            "invalid_model"
        );
        let forced = json!({"model_name": "M", "force": true});
        assert_eq!(
            d(&decide(
                Some(1),
                Some(DriftSeverity::Significant),
                forced,
                Settings::default()
            )
            .await),
            ("needs_retraining".into(), "manual".into())
        );
        assert_eq!(
            d(&decide(
                Some(5),
                Some(DriftSeverity::Significant),
                model(),
                Settings::default()
            )
            .await)
            .0,
            "recently_trained",
            "the minimum gap comes before drift"
        );
        assert_eq!(
            d(&decide(
                Some(30),
                Some(DriftSeverity::Significant),
                model(),
                Settings::default()
            )
            .await),
            ("needs_retraining".into(), "drift_detected".into())
        );
        assert_eq!(
            d(&decide(
                Some(30),
                Some(DriftSeverity::Moderate),
                model(),
                Settings::default()
            )
            .await)
            .0,
            "no_retraining"
        );
        assert_eq!(
            d(&decide(Some(7 * 24), None, model(), Settings::default()).await),
            ("needs_retraining".into(), "scheduled".into())
        );
        assert_eq!(
            d(&decide(None, None, model(), Settings::default()).await),
            ("needs_retraining".into(), "scheduled".into()),
            "never trained"
        );
        let answer = decide(
            Some(50),
            Some(DriftSeverity::Moderate),
            model(),
            Settings::default(),
        )
        .await;
        assert_eq!(
            (
                answer["hours_since_retrain"].clone(),
                answer["days_since_retrain"].clone(),
                answer["drift_severity"].clone(),
                answer["drift_psi"].clone()
            ),
            (json!(50), json!(2), json!("moderate"), json!(0.3))
        );
        let never = decide(None, None, model(), Settings::default()).await;
        assert_eq!(
            never,
            json!({"model_name": "M", "decision": "needs_retraining", "trigger": "scheduled",
                   "reason": "never trained", "hours_since_retrain": null, "days_since_retrain": null,
                   "drift_severity": null, "drift_psi": null})
        );
    }

    /// A blank or missing model name is an input error on `model_name`.
    #[tokio::test]
    async fn a_blank_model_name_is_a_validation_error() {
        let check = CheckRetrainingNeeded {
            drift: Arc::new(MemoryRecordStore::<DriftRecord>::new(layout("drift-state"))),
            retraining: Arc::new(MemoryRecordStore::<RetrainingRecord>::new(layout(
                "retraining-state",
            ))),
            settings: Settings::default(),
        };
        for event in [
            json!({}),
            json!({"model_name": " "}),
            json!({"model_name": 3}),
        ] {
            let error = check
                .serve(event.clone(), Timestamp::now(), "dev")
                .await
                .expect_err("invalid");
            assert!(
                matches!(&error, HandlerError::Validation { field, .. } if field == "model_name"),
                "{event}: {error}"
            );
        }
        assert!(check.decide("", false, Timestamp::now()).await.is_err());
    }
}
