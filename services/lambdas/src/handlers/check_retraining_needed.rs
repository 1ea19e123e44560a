//! check-retraining-needed (§10.2 #5, §10.3): whether a model needs retraining, in the reference's order —
//! invalid or not allowed → `invalid_model`; `force`/`manual_trigger` → `needs_retraining` (manual); trained
//! less than `MIN_HOURS_BETWEEN_RETRAINING` ago → `recently_trained`; significant drift → `needs_retraining`
//! (drift_detected); `RETRAINING_INTERVAL_DAYS` or more since the last training (or never trained) →
//! `needs_retraining` (scheduled); otherwise `no_retraining`.

use serde_json::{json, Value};
use tradai_domain::entities::{DriftRecord, DriftSeverity, RetrainingRecord, Timestamp};
use tradai_domain::ports::{RecordKey, RecordStore};

use crate::{text, HandlerError};

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

/// The state tables it reads.
pub struct Dependencies<'a> {
    pub drift: &'a dyn RecordStore<DriftRecord>,
    pub retraining: &'a dyn RecordStore<RetrainingRecord>,
    pub settings: &'a Settings,
}

crate::debug_showing!(Dependencies, settings);

fn valid_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Decide for `input` at `now`; the `data` of the answer.
pub async fn handle(
    deps: &Dependencies<'_>,
    input: &Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let model = text(input, "model_name")?;
    let allowed = deps.settings.allowed_models.is_empty()
        || deps.settings.allowed_models.iter().any(|m| m == model);
    if !valid_name(model) || !allowed {
        let reason = if allowed {
            "the model name has characters a model name cannot have"
        } else {
            "the model is not in ALLOWED_MODELS"
        };
        return Ok(
            json!({"model_name": model, "decision": "invalid_model", "trigger": Value::Null, "reason": reason}),
        );
    }
    let key = RecordKey::partition(model);
    let last = deps
        .retraining
        .get(&key)
        .await?
        .and_then(|r| r.last_retrained);
    let drift = deps.drift.get(&key).await?;
    let hours = last.map(|t| (now.epoch_seconds() - t.epoch_seconds()) / 3600);
    let (severity, psi) = drift.as_ref().map_or((Value::Null, Value::Null), |d| {
        (json!(d.severity), json!(d.overall_psi))
    });
    let (decision, trigger, reason) = if input["force"].as_bool() == Some(true)
        || input["manual_trigger"].as_bool() == Some(true)
    {
        (
            "needs_retraining",
            json!("manual"),
            "a manual or forced request".to_owned(),
        )
    } else if hours.is_some_and(|h| h < deps.settings.min_hours) {
        (
            "recently_trained",
            Value::Null,
            format!("trained less than {} hours ago", deps.settings.min_hours),
        )
    } else if drift
        .as_ref()
        .is_some_and(|d| d.severity == DriftSeverity::Significant)
    {
        (
            "needs_retraining",
            json!("drift_detected"),
            "significant drift".to_owned(),
        )
    } else if hours.is_none_or(|h| h >= deps.settings.interval_days * 24) {
        let why = if hours.is_none() {
            "never trained".to_owned()
        } else {
            format!(
                "{} days or more since the last training",
                deps.settings.interval_days
            )
        };
        ("needs_retraining", json!("scheduled"), why)
    } else {
        (
            "no_retraining",
            Value::Null,
            "trained recently enough and no significant drift".to_owned(),
        )
    };
    Ok(json!({
        "model_name": model,
        "decision": decision,
        "trigger": trigger,
        "reason": reason,
        "hours_since_retrain": hours,
        "days_since_retrain": hours.map(|h| h / 24),
        "drift_severity": severity,
        "drift_psi": psi,
    }))
}

#[cfg(test)]
mod tests {
    use tradai_domain::entities::{RetrainingTrigger, Timestamp};
    use tradai_domain::ports::TableLayout;
    use tradai_domain::RetrainingStatus;
    use tradai_memory::MemoryRecordStore;

    use super::*;

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
        let deps = Dependencies {
            drift: &drifts,
            retraining: &runs,
            settings: &settings,
        };
        handle(&deps, &input, now).await.expect("decision")
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
            d(&decide(None, None, model(), only).await),
            ("invalid_model".into(), "-".into())
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
    }
}
