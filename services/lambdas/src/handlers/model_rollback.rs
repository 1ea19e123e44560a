//! model-rollback (§10.2 #8, §10.3): restore an archived version (the given one, else the newest) to
//! Production and archive the current one. `dry_run` only previews; a rollback within
//! `ROLLBACK_COOLDOWN_HOURS` of the model's last one is refused; each rollback is recorded in the
//! rollback-state table and announced on the alerts topic.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::Function;
use tradai_domain::entities::{RollbackReason, RollbackRecord, Timestamp};
use tradai_domain::ports::{ModelRegistry, Notifier, Order, PublishedMessage, RecordStore};
use tradai_domain::{promotion, ModelStage};

use crate::input::Text;
use crate::HandlerError;

/// The model-rollback handler: the model registry, the rollback-state table (not among the platform's
/// ports), the alerts topic it announces on (none: not announced), and the cooldown in hours.
#[derive(Clone)]
pub struct ModelRollback {
    pub registry: Arc<dyn ModelRegistry>,
    pub rollbacks: Arc<dyn RecordStore<RollbackRecord>>,
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
            notifier: Some(notifier),
            cooldown_hours,
        }
    }
}

/// The request: the model, why (`MANUAL_REQUEST` by default), the archived version to restore (else the
/// newest archived), whether to only preview, and the alarm that asked.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub model_name: Text,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub target_version: Option<String>,
    /// Only `true` previews.
    #[serde(default)]
    pub dry_run: Option<bool>,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub alarm_name: Option<String>,
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
    type Output = Rollback;
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

    /// Roll back (or preview) at `now`.
    async fn handle(&self, request: Request, now: Timestamp) -> Result<Rollback, HandlerError> {
        let model = request.model_name.as_str();
        let reason: RollbackReason = match &request.reason {
            Some(r) => serde_json::from_value(serde_json::Value::String(r.clone())).map_err(|_| {
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
    use tradai_domain::ports::{NewRun, NewVersion, TableLayout};
    use tradai_memory::{MemoryModelRegistry, MemoryNotifier, MemoryRecordStore};

    use serde_json::{json, Value};

    use super::*;
    use crate::registry::Serve;

    #[tokio::test]
    async fn previews_rolls_back_then_holds_the_cooldown() {
        let registry = Arc::new(MemoryModelRegistry::new());
        let run = registry
            .log_run(NewRun {
                experiment_name: "e".into(),
                ..NewRun::default()
            })
            .await
            .expect("run");
        for stage in [
            ModelStage::Archived,
            ModelStage::Archived,
            ModelStage::Production,
        ] {
            let v = registry
                .register(NewVersion {
                    model_name: "M".into(),
                    source: "s3://m".into(),
                    run_id: Some(run.run_id.clone()),
                    tags: BTreeMap::new(),
                })
                .await
                .expect("register");
            registry
                .set_stage("M", &v.version, stage)
                .await
                .expect("stage");
        }
        let config = tradai_test_support::config_with_prefix("lambda");
        let rollbacks = Arc::new(MemoryRecordStore::<RollbackRecord>::new(
            TableLayout::from_spec(
                "rollback-state",
                &config.settings().tables["rollback-state"],
            ),
        ));
        let notifier = Arc::new(MemoryNotifier::new());
        let rollback = ModelRollback {
            registry: registry.clone(),
            rollbacks: rollbacks.clone(),
            notifier: Some(notifier.clone()),
            cooldown_hours: 24,
        };
        let handle = |event: Value, now: Timestamp| {
            let rollback = &rollback;
            async move {
                let answer = rollback.serve(event, now, "dev").await?;
                Ok::<Value, HandlerError>(answer["body"]["data"].clone())
            }
        };
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
}
