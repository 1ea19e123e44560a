//! retraining-scheduler (§10.2 #9, §10.3): evaluate each model with check-retraining-needed's rules and
//! launch a retraining task for those that need one (the same launch as sqs-consumer). The answer sums up
//! (`models_evaluated`, `retraining_triggered`, `skipped`, `errors`) and lists each model's result.

use serde_json::{json, Value};
use tradai_domain::entities::{RetrainingTrigger, Timestamp};

use crate::handlers::check_retraining_needed::{self as retraining, Dependencies as Checks};
use crate::handlers::sqs_consumer::{launch, Dependencies as Launcher};
use crate::HandlerError;

/// Evaluate `input.models` (or `default_models`) at `now`; the `data` of the answer.
pub async fn handle(
    checks: &Checks<'_>,
    launcher: &Launcher<'_>,
    input: &Value,
    default_models: &[String],
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let names: Vec<String> = match input["models"].as_array() {
        Some(models) => models
            .iter()
            .filter_map(|m| m["name"].as_str().or(m.as_str()).map(str::to_owned))
            .collect(),
        None => default_models.to_vec(),
    };
    if names.is_empty() {
        return Err(HandlerError::invalid(
            "models",
            "no models to evaluate: pass models[] or configure the defaults",
        ));
    }
    let (mut triggered, mut skipped, mut errors, mut results) = (0, 0, 0, Vec::new());
    for name in &names {
        let decision = retraining::handle(
            checks,
            &json!({"model_name": name, "force": input["force"]}),
            now,
        )
        .await?;
        if decision["decision"] != "needs_retraining" {
            skipped += 1;
            results.push(
                json!({"model_name": name, "status": "skipped", "reason": decision["decision"]}),
            );
            continue;
        }
        let trigger: RetrainingTrigger = serde_json::from_value(decision["trigger"].clone())
            .unwrap_or(RetrainingTrigger::Scheduled);
        match launch(launcher, name, trigger, now).await {
            Ok(task_arn) => {
                triggered += 1;
                results.push(json!({"model_name": name, "status": "triggered", "trigger": decision["trigger"], "task_arn": task_arn}));
            }
            Err(e) => {
                errors += 1;
                results
                    .push(json!({"model_name": name, "status": "error", "reason": e.to_string()}));
            }
        }
    }
    Ok(json!({
        "models_evaluated": names.len(), "retraining_triggered": triggered, "skipped": skipped, "errors": errors, "results": results,
    }))
}

#[cfg(test)]
mod tests {
    use tradai_domain::entities::{DriftRecord, RetrainingRecord};
    use tradai_domain::ports::{RecordStore, TableLayout, TaskFilter, TaskRunner};
    use tradai_domain::RetrainingStatus;
    use tradai_memory::{MemoryRecordStore, MemoryTaskRunner};

    use super::*;
    use crate::handlers::check_retraining_needed::Settings as CheckSettings;
    use crate::handlers::sqs_consumer::Settings as LaunchSettings;

    #[tokio::test]
    async fn launches_only_the_models_that_need_it() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = |t: &str| TableLayout::from_spec(t, &config.settings().tables[t]);
        let drift = MemoryRecordStore::<DriftRecord>::new(layout("drift-state"));
        let runs = MemoryRecordStore::<RetrainingRecord>::new(layout("retraining-state"));
        let now = Timestamp::now();
        runs.put(&RetrainingRecord {
            model_name: "Fresh".into(),
            status: RetrainingStatus::Completed,
            trigger: RetrainingTrigger::Scheduled,
            last_retrained: Some(now.plus_seconds(-3600)),
            task_arn: None,
            last_execution: None,
            error: None,
            updated_at: now,
        })
        .await
        .expect("put");
        let check_settings = CheckSettings::default();
        let checks = Checks {
            drift: &drift,
            retraining: &runs,
            settings: &check_settings,
        };
        let tasks = MemoryTaskRunner::new("tradai-dev");
        let launch_settings = LaunchSettings {
            task_definition: "tradai-strategy-generic-dev".into(),
            container: "strategy".into(),
            max_concurrent: 5,
        };
        let launcher = Launcher {
            tasks: &tasks,
            retraining: &runs,
            settings: &launch_settings,
        };
        let input = json!({"models": [{"name": "Never", "strategy": "s"}, {"name": "Fresh"}]});
        let answer = handle(&checks, &launcher, &input, &[], now)
            .await
            .expect("answer");
        assert_eq!(
            (
                answer["models_evaluated"].clone(),
                answer["retraining_triggered"].clone(),
                answer["skipped"].clone()
            ),
            (json!(2), json!(1), json!(1))
        );
        assert_eq!(
            answer["results"][1],
            json!({"model_name": "Fresh", "status": "skipped", "reason": "recently_trained"})
        );
        assert_eq!(
            tasks
                .list(&TaskFilter::default())
                .await
                .expect("list")
                .len(),
            1
        );
        let forced = handle(
            &checks,
            &launcher,
            &json!({"force": true}),
            &["Fresh".to_owned()],
            now,
        )
        .await
        .expect("forced");
        assert_eq!(forced["results"][0]["trigger"], "manual");
        assert!(handle(&checks, &launcher, &json!({}), &[], now)
            .await
            .is_err());
    }
}
