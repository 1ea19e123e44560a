//! model-rollback (§10.2 #8, §10.3): restore an archived version (the given one, else the newest) to
//! Production and archive the current one. `dry_run` only previews; a rollback within
//! `ROLLBACK_COOLDOWN_HOURS` of the model's last one is refused; each rollback is recorded in the
//! rollback-state table and announced on the alerts topic. Invoked by the severe-drift alarm's action (an event
//! with `alarmData` and no model), it rolls back every registered model whose newest drift-state row is
//! significant (`DRIFT_SEVERE`, the alarm named); an alarm leaving the ALARM state rolls back nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_lambda_events::cloudwatch_alarms::{CloudWatchAlarmData, CloudWatchAlarmStateValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::{
    DriftRecord, DriftSeverity, RollbackReason, RollbackRecord, Timestamp,
};
use tradai_domain::ports::{
    ModelRegistry, Notifier, Order, PublishedMessage, RecordKey, RecordStore,
};
use tradai_domain::{promotion, ModelStage};

use crate::input::Text;
use crate::HandlerError;

/// The model-rollback handler: the model registry, the rollback-state table (not among the platform's
/// ports), the alerts topic it announces on (none: not announced), and the cooldown in hours.
#[derive(Clone)]
pub struct ModelRollback {
    pub registry: Arc<dyn ModelRegistry>,
    pub rollbacks: Arc<dyn RecordStore<RollbackRecord>>,
    /// The drift-state table (an alarm's rollbacks follow its significant rows).
    pub drift: Arc<dyn RecordStore<DriftRecord>>,
    pub notifier: Option<Arc<dyn Notifier>>,
    pub cooldown_hours: i64,
}

crate::handler_debug!(ModelRollback, cooldown_hours);

impl ModelRollback {
    /// The rollback over the platform's registry, recording in `rollbacks` (the rollback-state table, not among
    /// the ports) and announcing on `notifier` (the function's alerts topic).
    pub fn new(
        ports: &tradai_platform::Ports,
        rollbacks: Arc<dyn RecordStore<RollbackRecord>>,
        notifier: Arc<dyn Notifier>,
        cooldown_hours: i64,
    ) -> Self {
        ModelRollback {
            registry: ports.registry.clone(),
            rollbacks,
            drift: ports.drift.clone(),
            notifier: Some(notifier),
            cooldown_hours,
        }
    }
}

/// The request: the model, why (`MANUAL_REQUEST` by default), the archived version to restore (else the
/// newest archived), whether to only preview, and the alarm that asked; or a CloudWatch alarm's action event
/// (`alarmData`, no model).
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    /// Required unless the event is an alarm's.
    #[serde(default)]
    pub model_name: Option<Text>,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub target_version: Option<String>,
    /// Only `true` previews.
    #[serde(default)]
    pub dry_run: Option<bool>,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub alarm_name: Option<String>,
    /// The alarm of a CloudWatch alarm action's event.
    #[serde(default, rename = "alarmData")]
    pub alarm_data: Option<CloudWatchAlarmData<Value, Value>>,
}

/// The answer: one model's rollback, or an alarm's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    One(Rollback),
    /// The rollbacks an alarm caused (none when it left the ALARM state or no model drifted significantly).
    Alarm {
        alarm_name: String,
        state: String,
        rollbacks: Vec<Rollback>,
    },
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Rollback {
    /// Nothing was done (`rolled_back: false`), and why; a cooldown says when the next one is allowed.
    Refused {
        model_name: String,
        rolled_back: bool,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_allowed_at: Option<String>,
    },
    /// What a rollback would do (`rolled_back: false`, `dry_run: true`).
    Preview {
        model_name: String,
        rolled_back: bool,
        dry_run: bool,
        from_version: String,
        to_version: String,
    },
    /// Done (`rolled_back: true`).
    RolledBack {
        model_name: String,
        rolled_back: bool,
        from_version: String,
        to_version: String,
        reason: RollbackReason,
    },
}

fn refused(model: &str, reason: String) -> Rollback {
    Rollback::Refused {
        model_name: model.to_owned(),
        rolled_back: false,
        reason,
        next_allowed_at: None,
    }
}

impl crate::registry::Handler for ModelRollback {
    const FUNCTION: Function = Function::ModelRollback;
    type Input = Request;
    type Output = Outcome;
    type Settings = i64;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            ports,
            ports.rollbacks.clone(),
            ports.notifier.clone(),
            settings,
        ))
    }

    /// Roll back (or preview) at `now`: the requested model, or the models an alarm's drift concerns.
    async fn handle(&self, request: Request, now: Timestamp) -> Result<Outcome, HandlerError> {
        if let Some(model) = &request.model_name {
            return Ok(Outcome::One(self.one(model, &request, now).await?));
        }
        let Some(alarm) = &request.alarm_data else {
            return Err(HandlerError::invalid(
                "model_name",
                "required (a model name) unless a CloudWatch alarm's action invokes the function",
            ));
        };
        let state = alarm
            .state
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_default();
        let mut rollbacks = Vec::new();
        if state == CloudWatchAlarmStateValue::Alarm {
            let by_alarm = Request {
                reason: Some("DRIFT_SEVERE".into()),
                alarm_name: Some(alarm.alarm_name.clone()),
                ..request.clone()
            };
            for model in self.registry.model_names().await? {
                // drift-state holds each model's newest check (one row per model).
                let newest = self.drift.get(&RecordKey::partition(&model)).await?;
                if newest.is_some_and(|d| d.severity == DriftSeverity::Significant) {
                    rollbacks.push(self.one(&model, &by_alarm, now).await?);
                }
            }
        }
        Ok(Outcome::Alarm {
            alarm_name: alarm.alarm_name.clone(),
            state: serde_json::to_value(&state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            rollbacks,
        })
    }
}

impl ModelRollback {
    /// Roll back (or preview) `model` as `request` says, at `now`.
    async fn one(
        &self,
        model: &str,
        request: &Request,
        now: Timestamp,
    ) -> Result<Rollback, HandlerError> {
        let reason: RollbackReason = match &request.reason {
            Some(r) => serde_json::from_value(Value::String(r.clone())).map_err(|_| {
                HandlerError::invalid("reason", format!("'{r}' is not MANUAL_REQUEST, PERFORMANCE_DEGRADATION, TEST_FAILURE or DRIFT_SEVERE"))
            })?,
            None => RollbackReason::ManualRequest,
        };
        let versions = self.registry.versions(model).await?;
        let Some(current) = versions.iter().find(|v| v.stage == ModelStage::Production) else {
            return Ok(refused(
                model,
                "no Production version to roll back from".into(),
            ));
        };
        let target = match &request.target_version {
            Some(v) => versions
                .iter()
                .find(|x| &x.version == v && x.stage == ModelStage::Archived),
            None => versions.iter().find(|x| x.stage == ModelStage::Archived),
        };
        let Some(target) = target else {
            return Ok(refused(
                model,
                "no archived version to restore (the target must be Archived)".into(),
            ));
        };
        if request.dry_run == Some(true) {
            return Ok(Rollback::Preview {
                model_name: model.to_owned(),
                rolled_back: false,
                dry_run: true,
                from_version: current.version.clone(),
                to_version: target.version.clone(),
            });
        }
        if let Some(last) = self
            .rollbacks
            .query(model, Order::NewestFirst, 1)
            .await?
            .first()
        {
            let next = last.rolled_back_at.plus_seconds(self.cooldown_hours * 3600);
            if now.epoch_seconds() < next.epoch_seconds() {
                return Ok(Rollback::Refused {
                    model_name: model.to_owned(),
                    rolled_back: false,
                    reason: format!(
                        "cooldown: the last rollback was less than {} hours ago",
                        self.cooldown_hours
                    ),
                    next_allowed_at: Some(next.to_string()),
                });
            }
        }
        let outcome =
            promotion::rollback(self.registry.as_ref(), model, Some(&target.version)).await?;
        let record = RollbackRecord {
            model_name: model.to_owned(),
            rolled_back_at: now,
            from_version: outcome.from_version.clone(),
            to_version: outcome.to_version.clone(),
            reason,
            alarm_name: request.alarm_name.clone(),
        };
        self.rollbacks.put(&record).await?;
        if let Some(notifier) = &self.notifier {
            let text = format!(
                "{model} rolled back from v{} to v{} ({reason:?})",
                outcome.from_version, outcome.to_version
            );
            let message = PublishedMessage {
                subject: format!("[WARNING] model rollback: {model}"),
                message: text,
                attributes: BTreeMap::new(),
            };
            if let Err(e) = notifier.publish(message).await {
                tracing::warn!(model, error = %e, "the rollback was not announced");
            }
        }
        Ok(Rollback::RolledBack {
            model_name: model.to_owned(),
            rolled_back: true,
            from_version: outcome.from_version,
            to_version: outcome.to_version,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::TableLayout;
    use tradai_memory::{MemoryModelRegistry, MemoryNotifier, MemoryRecordStore};

    use serde_json::{json, Value};

    use super::*;
    use crate::registry::Serve;

    struct Fixture {
        registry: Arc<MemoryModelRegistry>,
        rollbacks: Arc<MemoryRecordStore<RollbackRecord>>,
        drift: Arc<MemoryRecordStore<DriftRecord>>,
        notifier: Arc<MemoryNotifier>,
        rollback: ModelRollback,
    }

    /// Models `names`, each with two archived versions and a third in Production.
    async fn fixture(names: &[&str]) -> Fixture {
        let registry = crate::testing::registry_with(
            names,
            &[
                ModelStage::Archived,
                ModelStage::Archived,
                ModelStage::Production,
            ],
        )
        .await;
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = |table: &str| TableLayout::from_spec(table, &config.settings().tables[table]);
        let rollbacks = Arc::new(MemoryRecordStore::<RollbackRecord>::new(layout(
            "rollback-state",
        )));
        let drift = Arc::new(MemoryRecordStore::<DriftRecord>::new(layout("drift-state")));
        let notifier = Arc::new(MemoryNotifier::new());
        let rollback = ModelRollback {
            registry: registry.clone(),
            rollbacks: rollbacks.clone(),
            drift: drift.clone(),
            notifier: Some(notifier.clone()),
            cooldown_hours: 24,
        };
        Fixture {
            registry,
            rollbacks,
            drift,
            notifier,
            rollback,
        }
    }

    async fn serve(
        rollback: &ModelRollback,
        event: Value,
        now: Timestamp,
    ) -> Result<Value, HandlerError> {
        let answer = rollback.serve(event, now, "dev").await?;
        Ok(answer["body"]["data"].clone())
    }

    #[tokio::test]
    async fn previews_rolls_back_then_holds_the_cooldown() {
        let Fixture {
            registry,
            rollbacks,
            notifier,
            rollback,
            ..
        } = fixture(&["M"]).await;
        let handle = |event: Value, now: Timestamp| serve(&rollback, event, now);
        let now = Timestamp::now();
        let preview = handle(json!({"model_name": "M", "dry_run": true}), now)
            .await
            .expect("preview");
        assert_eq!(
            (
                preview["from_version"].clone(),
                preview["to_version"].clone(),
                preview["rolled_back"].clone()
            ),
            (json!("3"), json!("2"), json!(false))
        );
        assert_eq!(
            preview,
            json!({"model_name": "M", "rolled_back": false, "dry_run": true, "from_version": "3", "to_version": "2"})
        );
        assert_eq!(
            registry.versions("M").await.expect("versions")[0].stage,
            ModelStage::Production,
            "a dry run changes nothing"
        );
        let input = json!({"model_name": "M", "target_version": "1", "reason": "PERFORMANCE_DEGRADATION", "alarm_name": "tradai-dev-sharpe"});
        let done = handle(input, now).await.expect("rollback");
        assert_eq!(
            done,
            json!({"model_name": "M", "rolled_back": true, "from_version": "3", "to_version": "1", "reason": "PERFORMANCE_DEGRADATION"})
        );
        let recorded = rollbacks
            .query("M", Order::NewestFirst, 10)
            .await
            .expect("records");
        assert_eq!(
            (recorded.len(), recorded[0].alarm_name.as_deref()),
            (1, Some("tradai-dev-sharpe"))
        );
        assert_eq!(notifier.published().len(), 1);
        let again = handle(json!({"model_name": "M"}), now.plus_seconds(3600))
            .await
            .expect("cooldown");
        assert!(
            again["reason"]
                .as_str()
                .expect("reason")
                .starts_with("cooldown"),
            "{again}"
        );
        assert!(again["next_allowed_at"].is_string(), "{again}");
        assert_eq!(
            handle(
                json!({"model_name": "M", "target_version": "1"}),
                now.plus_seconds(25 * 3600)
            )
            .await
            .expect("v1 is Production"),
            json!({"model_name": "M", "rolled_back": false,
                   "reason": "no archived version to restore (the target must be Archived)"})
        );
        assert!(matches!(
            handle(json!({"model_name": "M", "reason": "BORED"}), now).await,
            Err(HandlerError::Validation { field, .. }) if field == "reason"
        ));
        assert!(matches!(
            handle(json!({"model_name": " "}), now).await,
            Err(HandlerError::Validation { field, .. }) if field == "model_name"
        ));
    }

    fn drift(model: &str, severity: DriftSeverity, at: Timestamp) -> DriftRecord {
        DriftRecord {
            model_name: model.into(),
            checked_at: at,
            overall_psi: 0.4,
            severity,
            metric_drifts: Vec::new(),
            requires_attention: severity == DriftSeverity::Significant,
        }
    }

    /// The severe-drift alarm's action event as CloudWatch sends it (no model: the metric has none).
    fn alarm_event(state: &str) -> Value {
        json!({
            "source": "aws.cloudwatch",
            "alarmArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:tradai-dev-drift-significant",
            "accountId": "123456789012",
            "time": "2026-11-30T06:00:00.000+0000",
            "region": "eu-central-1",
            "alarmData": {
                "alarmName": "tradai-dev-drift-significant",
                "state": {"value": state, "reason": "Threshold Crossed", "timestamp": "2026-11-30T06:00:00.000+0000"},
                "previousState": {"value": "OK", "reason": "", "timestamp": "2026-11-29T06:00:00.000+0000"},
                "configuration": {"description": "severe model drift", "metrics": []}
            }
        })
    }

    #[tokio::test]
    async fn the_drift_alarm_rolls_back_the_models_whose_newest_drift_is_significant() {
        let f = fixture(&["A", "B", "C"]).await;
        let now = Timestamp::now();
        let earlier = now.plus_seconds(-3600);
        for record in [
            drift("A", DriftSeverity::Significant, now),
            drift("B", DriftSeverity::Significant, earlier),
            // The newer check replaces B's row.
            drift("B", DriftSeverity::None, now),
        ] {
            f.drift.put(&record).await.expect("drift row");
        }
        let answer = serve(&f.rollback, alarm_event("ALARM"), now)
            .await
            .expect("alarm");
        assert_eq!(
            answer,
            json!({"alarm_name": "tradai-dev-drift-significant", "state": "ALARM", "rollbacks": [
                {"model_name": "A", "rolled_back": true, "from_version": "3", "to_version": "2", "reason": "DRIFT_SEVERE"}
            ]})
        );
        let recorded = f
            .rollbacks
            .query("A", Order::NewestFirst, 1)
            .await
            .expect("records");
        assert_eq!(
            recorded[0].alarm_name.as_deref(),
            Some("tradai-dev-drift-significant")
        );
        assert_eq!(
            f.registry.versions("B").await.expect("B")[0].stage,
            ModelStage::Production,
            "B's newest drift is none: untouched"
        );
        let ok = serve(&f.rollback, alarm_event("OK"), now)
            .await
            .expect("ok");
        assert_eq!(ok["rollbacks"], json!([]), "{ok}");
        assert_eq!(f.notifier.published().len(), 1);
        assert!(matches!(
            serve(&f.rollback, json!({"dry_run": true}), now).await,
            Err(HandlerError::Validation { field, .. }) if field == "model_name"
        ));
    }
}
