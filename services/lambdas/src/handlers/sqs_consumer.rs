//! sqs-consumer (§10.2 #2, §10.3): launch retraining tasks from the retraining queue. Capacity first: the
//! tasks this consumer started (`startedBy`) that still run count against `MAX_CONCURRENT_TASKS`; requests
//! beyond it are deferred through `batchItemFailures` (the queue redelivers them later). Malformed or
//! incomplete messages are skipped (logged, deleted). Each launch records the retraining as TRAINING with its
//! task.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use serde::Serialize;
use serde_json::Value;
use tradai_config::Function;
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

/// The sqs-consumer handler: the cluster's tasks, the retraining-state table and its settings. Its
/// [`SqsConsumer::launch`] is also retraining-scheduler's.
#[derive(Clone)]
pub struct SqsConsumer {
    pub tasks: Arc<dyn TaskRunner>,
    pub retraining: Arc<dyn RecordStore<RetrainingRecord>>,
    pub settings: Settings,
}

crate::handler_debug!(SqsConsumer, settings);

/// The answer: the partial-batch response Lambda reads (`batchItemFailures`: the deferred and failed
/// messages), with what was launched and how many malformed messages were skipped.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Consumed {
    #[serde(flatten)]
    pub batch: SqsBatchResponse,
    pub launched: Vec<Launched>,
    pub skipped: usize,
}

/// One retraining task started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Launched {
    pub model_name: String,
    pub task_arn: String,
}

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

impl SqsConsumer {
    /// The consumer over the platform's tasks and retraining-state table.
    pub fn new(ports: &tradai_platform::Ports, settings: Settings) -> Self {
        SqsConsumer {
            tasks: ports.tasks.clone(),
            retraining: ports.retraining.clone(),
            settings,
        }
    }

    /// Start the retraining task of `model` and record it as TRAINING; the task's ARN.
    pub async fn launch(
        &self,
        model: &str,
        trigger: RetrainingTrigger,
        now: Timestamp,
    ) -> tradai_domain::Result<String> {
        let job_id = format!("retrain-{model}-{}", now.epoch_seconds());
        let trigger_text = serde_json::to_value(trigger).unwrap_or_default();
        let task = self
            .tasks
            .run(TaskRequest {
                task_definition: self.settings.task_definition.clone(),
                container: self.settings.container.clone(),
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
        if let Err(e) = self.retraining.put(&record).await {
            tracing::warn!(model, error = %e, "the retraining state was not recorded");
        }
        Ok(task.task_arn)
    }
}

impl crate::registry::Handler for SqsConsumer {
    const FUNCTION: Function = Function::SqsConsumer;
    const ENVELOPED: bool = false;
    type Input = SqsEvent;
    type Output = Consumed;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(ports, settings))
    }

    /// Handle an SQS event at `now`; the partial-batch answer.
    async fn handle(&self, event: SqsEvent, now: Timestamp) -> Result<Consumed, HandlerError> {
        let running = self
            .tasks
            .list(&TaskFilter {
                tag: None,
                started_by: Some(STARTED_BY.into()),
            })
            .await?
            .len();
        let mut capacity = self.settings.max_concurrent.saturating_sub(running);
        let mut answer = Consumed::default();
        for record in event.records {
            let id = record.message_id.unwrap_or_default();
            let Some((model, trigger)) = request(record.body.as_deref().unwrap_or_default()) else {
                tracing::warn!(message_id = id, "malformed retraining request skipped");
                answer.skipped += 1;
                continue;
            };
            if capacity == 0 {
                answer.batch.add_failure(id);
                continue;
            }
            match self.launch(&model, trigger, now).await {
                Ok(task_arn) => {
                    capacity -= 1;
                    answer.launched.push(Launched {
                        model_name: model,
                        task_arn,
                    });
                }
                Err(e) => {
                    tracing::warn!(model, error = %e, "retraining task not started; the queue will redeliver");
                    answer.batch.add_failure(id);
                }
            }
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_domain::ports::{RecordKey, TableLayout};
    use tradai_memory::{MemoryRecordStore, MemoryTaskRunner};

    use super::*;
    use crate::registry::Serve;

    /// The consumer over in-memory tasks and retraining-state table, allowing `max_concurrent` tasks.
    fn consumer(max_concurrent: usize) -> (SqsConsumer, Arc<MemoryRecordStore<RetrainingRecord>>) {
        let config = tradai_test_support::config_with_prefix("lambda");
        let retraining = Arc::new(MemoryRecordStore::<RetrainingRecord>::new(
            TableLayout::from_spec(
                "retraining-state",
                &config.settings().tables["retraining-state"],
            ),
        ));
        let consumer = SqsConsumer {
            tasks: Arc::new(MemoryTaskRunner::new("tradai-dev")),
            retraining: retraining.clone(),
            settings: Settings {
                task_definition: "tradai-strategy-generic-dev".into(),
                container: "strategy".into(),
                max_concurrent,
            },
        };
        (consumer, retraining)
    }

    #[tokio::test]
    async fn launches_up_to_capacity_defers_the_rest_and_skips_garbage() {
        let (consumer, retraining) = consumer(2);
        let body = |m: &str| json!({"model_name": m, "trigger": "drift_detected"}).to_string();
        let event = json!({"Records": [
            {"messageId": "a", "body": body("PascalStrategy")},
            {"messageId": "b", "body": "not json"},
            {"messageId": "c", "body": json!({"trigger": "manual"}).to_string()},
            {"messageId": "d", "body": body("RadStrategy"), "attributes": {"ApproximateReceiveCount": "1"}},
            {"messageId": "e", "body": body("ThirdStrategy")},
        ]});
        let answer = consumer
            .serve(event, Timestamp::now(), "dev")
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
        assert_eq!(
            answer["launched"][0]["model_name"], "PascalStrategy",
            "{answer}"
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
        let full = consumer
            .serve(
                json!({"Records": [{"messageId": "e", "body": body("ThirdStrategy")}]}),
                Timestamp::now(),
                "dev",
            )
            .await
            .expect("answer");
        assert_eq!(
            full,
            json!({"batchItemFailures": [{"itemIdentifier": "e"}], "launched": [], "skipped": 0}),
            "two still run: no capacity"
        );
    }
}
