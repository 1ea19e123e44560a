//! sqs-consumer (§10.2 #2, §10.3): launch retraining tasks from the retraining queue. Capacity first: the
//! tasks this consumer started (`startedBy`) that still run count against `MAX_CONCURRENT_TASKS`; requests
//! beyond it are deferred through `batchItemFailures` (the queue redelivers them later). Malformed or
//! incomplete messages are skipped (logged, deleted). Each launch records the retraining as TRAINING with its
//! task.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tradai_domain::entities::{RetrainingRecord, RetrainingTrigger, Timestamp};
use tradai_domain::ports::{RecordStore, TaskFilter, TaskRequest, TaskRunner};
use tradai_domain::RetrainingStatus;

use crate::HandlerError;

/// Who starts retraining tasks (`startedBy`), for the capacity count.
pub const STARTED_BY: &str = "tradai-retraining";

/// Settings (`ECS_TASK_DEFINITION_FAMILY`, `ECS_CONTAINER_NAME`, `MAX_CONCURRENT_TASKS`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub task_definition: String,
    pub container: String,
    pub max_concurrent: usize,
}

/// What it talks to.
pub struct Dependencies<'a> {
    pub tasks: &'a dyn TaskRunner,
    pub retraining: &'a dyn RecordStore<RetrainingRecord>,
    pub settings: &'a Settings,
}

crate::debug_showing!(Dependencies, settings);

/// A retraining request, if the body is one.
fn request(body: &str) -> Option<(String, RetrainingTrigger)> {
    let message: Value = serde_json::from_str(body).ok()?;
    let model = message["model_name"]
        .as_str()
        .filter(|m| !m.is_empty())?
        .to_owned();
    let trigger =
        serde_json::from_value(message["trigger"].clone()).unwrap_or(RetrainingTrigger::Scheduled);
    Some((model, trigger))
}

/// Start the retraining task of `model` and record it as TRAINING; the task's ARN.
pub async fn launch(
    deps: &Dependencies<'_>,
    model: &str,
    trigger: RetrainingTrigger,
    now: Timestamp,
) -> tradai_domain::Result<String> {
    let job_id = format!("retrain-{model}-{}", now.epoch_seconds());
    let trigger_text = serde_json::to_value(trigger).unwrap_or_default();
    let task = deps
        .tasks
        .run(TaskRequest {
            task_definition: deps.settings.task_definition.clone(),
            container: deps.settings.container.clone(),
            environment: BTreeMap::from([
                ("JOB_ID".to_owned(), job_id.clone()),
                ("TRADING_MODE".to_owned(), "train".to_owned()),
                ("STRATEGY".to_owned(), model.to_owned()),
                ("MODEL_NAME".to_owned(), model.to_owned()),
                (
                    "RETRAINING_TRIGGER".to_owned(),
                    trigger_text.as_str().unwrap_or_default().to_owned(),
                ),
            ]),
            tags: BTreeMap::from([
                ("job_id".to_owned(), job_id),
                ("model_name".to_owned(), model.to_owned()),
            ]),
            started_by: STARTED_BY.into(),
        })
        .await?;
    let record = RetrainingRecord {
        model_name: model.to_owned(),
        status: RetrainingStatus::Training,
        trigger,
        last_retrained: None,
        task_arn: Some(task.task_arn.clone()),
        last_execution: None,
        error: None,
        updated_at: now,
    };
    if let Err(e) = deps.retraining.put(&record).await {
        tracing::warn!(model, error = %e, "the retraining state was not recorded");
    }
    Ok(task.task_arn)
}

/// Handle an SQS event at `now`; the partial-batch answer.
pub async fn handle(
    deps: &Dependencies<'_>,
    event: &Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let running = deps
        .tasks
        .list(&TaskFilter {
            tag: None,
            started_by: Some(STARTED_BY.into()),
        })
        .await?
        .len();
    let mut capacity = deps.settings.max_concurrent.saturating_sub(running);
    let (mut failures, mut launched, mut skipped) = (Vec::new(), Vec::new(), 0);
    for record in event["Records"].as_array().into_iter().flatten() {
        let id = record["messageId"].as_str().unwrap_or_default();
        let Some((model, trigger)) = request(record["body"].as_str().unwrap_or_default()) else {
            tracing::warn!(message_id = id, "malformed retraining request skipped");
            skipped += 1;
            continue;
        };
        if capacity == 0 {
            failures.push(json!({"itemIdentifier": id}));
            continue;
        }
        let launch = launch(deps, &model, trigger, now).await;
        match launch {
            Ok(task_arn) => {
                capacity -= 1;
                launched.push(json!({"model_name": model, "task_arn": task_arn}));
            }
            Err(e) => {
                tracing::warn!(model, error = %e, "retraining task not started; the queue will redeliver");
                failures.push(json!({"itemIdentifier": id}));
            }
        }
    }
    Ok(json!({"batchItemFailures": failures, "launched": launched, "skipped": skipped}))
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::{RecordKey, TableLayout};
    use tradai_memory::{MemoryRecordStore, MemoryTaskRunner};

    use super::*;

    #[tokio::test]
    async fn launches_up_to_capacity_defers_the_rest_and_skips_garbage() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let retraining = MemoryRecordStore::<RetrainingRecord>::new(TableLayout::from_spec(
            "retraining-state",
            &config.settings().tables["retraining-state"],
        ));
        let tasks = MemoryTaskRunner::new("tradai-dev");
        let settings = Settings {
            task_definition: "tradai-strategy-generic-dev".into(),
            container: "strategy".into(),
            max_concurrent: 2,
        };
        let deps = Dependencies {
            tasks: &tasks,
            retraining: &retraining,
            settings: &settings,
        };
        let body = |m: &str| json!({"model_name": m, "trigger": "drift_detected"}).to_string();
        let event = json!({"Records": [
            {"messageId": "a", "body": body("PascalStrategy")},
            {"messageId": "b", "body": "not json"},
            {"messageId": "c", "body": json!({"trigger": "manual"}).to_string()},
            {"messageId": "d", "body": body("RadStrategy")},
            {"messageId": "e", "body": body("ThirdStrategy")},
        ]});
        let answer = handle(&deps, &event, Timestamp::now())
            .await
            .expect("answer");
        assert_eq!(
            answer["batchItemFailures"],
            json!([{"itemIdentifier": "e"}]),
            "over capacity: deferred"
        );
        assert_eq!(
            (
                answer["launched"].as_array().map(Vec::len),
                answer["skipped"].clone()
            ),
            (Some(2), json!(2))
        );
        let record = retraining
            .get(&RecordKey::partition("PascalStrategy"))
            .await
            .expect("get")
            .expect("recorded");
        assert_eq!(
            (record.status, record.trigger),
            (RetrainingStatus::Training, RetrainingTrigger::DriftDetected)
        );
        let full = handle(
            &deps,
            &json!({"Records": [{"messageId": "e", "body": body("ThirdStrategy")}]}),
            Timestamp::now(),
        )
        .await
        .expect("answer");
        assert_eq!(
            full["batchItemFailures"],
            json!([{"itemIdentifier": "e"}]),
            "two still run: no capacity"
        );
    }
}
