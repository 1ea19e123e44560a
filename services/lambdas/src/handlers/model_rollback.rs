//! model-rollback (§10.2 #8, §10.3): restore an archived version (the given one, else the newest) to
//! Production and archive the current one. `dry_run` only previews; a rollback within
//! `ROLLBACK_COOLDOWN_HOURS` of the model's last one is refused; each rollback is recorded in the
//! rollback-state table and announced on the alerts topic.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tradai_domain::entities::{RollbackReason, RollbackRecord, Timestamp};
use tradai_domain::ports::{ModelRegistry, Notifier, Order, PublishedMessage, RecordStore};
use tradai_domain::{promotion, ModelStage};

use crate::{optional, text, HandlerError};

/// What it talks to, and the cooldown in hours.
pub struct Dependencies<'a> {
    pub registry: &'a dyn ModelRegistry,
    pub rollbacks: &'a dyn RecordStore<RollbackRecord>,
    pub notifier: Option<&'a dyn Notifier>,
    pub cooldown_hours: i64,
}

crate::debug_showing!(Dependencies, cooldown_hours);

fn refused(model: &str, reason: String) -> Value {
    json!({"model_name": model, "rolled_back": false, "reason": reason})
}

/// Roll back (or preview) at `now`; the `data` of the answer.
pub async fn handle(
    deps: &Dependencies<'_>,
    input: &Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let model = text(input, "model_name")?;
    let reason: RollbackReason = match optional(input, "reason") {
        Some(r) => serde_json::from_value(json!(r)).map_err(|_| {
            HandlerError::invalid("reason", format!("'{r}' is not MANUAL_REQUEST, PERFORMANCE_DEGRADATION, TEST_FAILURE or DRIFT_SEVERE"))
        })?,
        None => RollbackReason::ManualRequest,
    };
    let versions = deps.registry.versions(model).await?;
    let Some(current) = versions.iter().find(|v| v.stage == ModelStage::Production) else {
        return Ok(refused(
            model,
            "no Production version to roll back from".into(),
        ));
    };
    let target = match optional(input, "target_version") {
        Some(v) => versions
            .iter()
            .find(|x| x.version == v && x.stage == ModelStage::Archived),
        None => versions.iter().find(|x| x.stage == ModelStage::Archived),
    };
    let Some(target) = target else {
        return Ok(refused(
            model,
            "no archived version to restore (the target must be Archived)".into(),
        ));
    };
    if input["dry_run"].as_bool() == Some(true) {
        return Ok(
            json!({"model_name": model, "rolled_back": false, "dry_run": true,
                         "from_version": current.version, "to_version": target.version}),
        );
    }
    if let Some(last) = deps
        .rollbacks
        .query(model, Order::NewestFirst, 1)
        .await?
        .first()
    {
        let next = last.rolled_back_at.plus_seconds(deps.cooldown_hours * 3600);
        if now.epoch_seconds() < next.epoch_seconds() {
            let mut answer = refused(
                model,
                format!(
                    "cooldown: the last rollback was less than {} hours ago",
                    deps.cooldown_hours
                ),
            );
            answer["next_allowed_at"] = json!(next.to_string());
            return Ok(answer);
        }
    }
    let outcome = promotion::rollback(deps.registry, model, Some(&target.version)).await?;
    let record = RollbackRecord {
        model_name: model.to_owned(),
        rolled_back_at: now,
        from_version: outcome.from_version.clone(),
        to_version: outcome.to_version.clone(),
        reason,
        alarm_name: optional(input, "alarm_name").map(str::to_owned),
    };
    deps.rollbacks.put(&record).await?;
    if let Some(notifier) = deps.notifier {
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
    Ok(
        json!({"model_name": model, "rolled_back": true, "from_version": outcome.from_version,
              "to_version": outcome.to_version, "reason": json!(reason)}),
    )
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::{NewRun, NewVersion, TableLayout};
    use tradai_memory::{MemoryModelRegistry, MemoryNotifier, MemoryRecordStore};

    use super::*;

    #[tokio::test]
    async fn previews_rolls_back_then_holds_the_cooldown() {
        let registry = MemoryModelRegistry::new();
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
        let rollbacks = MemoryRecordStore::<RollbackRecord>::new(TableLayout::from_spec(
            "rollback-state",
            &config.settings().tables["rollback-state"],
        ));
        let notifier = MemoryNotifier::new();
        let deps = Dependencies {
            registry: &registry,
            rollbacks: &rollbacks,
            notifier: Some(&notifier),
            cooldown_hours: 24,
        };
        let now = Timestamp::now();
        let preview = handle(&deps, &json!({"model_name": "M", "dry_run": true}), now)
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
            registry.versions("M").await.expect("versions")[0].stage,
            ModelStage::Production,
            "a dry run changes nothing"
        );
        let input = json!({"model_name": "M", "target_version": "1", "reason": "PERFORMANCE_DEGRADATION", "alarm_name": "tradai-dev-sharpe"});
        let done = handle(&deps, &input, now).await.expect("rollback");
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
        let again = handle(&deps, &json!({"model_name": "M"}), now.plus_seconds(3600))
            .await
            .expect("cooldown");
        assert!(
            again["reason"]
                .as_str()
                .expect("reason")
                .starts_with("cooldown"),
            "{again}"
        );
        assert_eq!(
            handle(
                &deps,
                &json!({"model_name": "M", "target_version": "1"}),
                now.plus_seconds(25 * 3600)
            )
            .await
            .expect("v1 is Production")["rolled_back"],
            false
        );
        assert!(matches!(
            handle(&deps, &json!({"model_name": "M", "reason": "BORED"}), now).await,
            Err(HandlerError::Validation { .. })
        ));
    }
}
