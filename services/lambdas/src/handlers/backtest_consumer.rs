//! backtest-consumer (§10.2 #1, §10.3): turn queued backtest requests into backtest workflow executions. Each
//! record is parsed (nested or legacy form), its job row created when the message came from elsewhere than
//! the backend, and an execution named by the job id started (a redelivered message cannot start a second
//! one). A job that is no longer PENDING (cancelled meanwhile) is dropped. Any failure, a malformed message
//! included, is reported in `batchItemFailures`: the queue redelivers it and, after its receive limit, moves it
//! to the dead-letter queue, so no request is lost.

use serde_json::{json, Value};
use tradai_domain::entities::{JobMessage, Timestamp};
use tradai_domain::ports::{JobRepository, JobUpdate, WorkflowStarter};
use tradai_domain::{DomainError, JobStatus};

/// What it talks to, and the strategy task family the workflow runs.
pub struct Dependencies<'a> {
    pub jobs: &'a JobRepository,
    pub workflows: &'a dyn WorkflowStarter,
    pub task_definition: String,
}

crate::debug_showing!(Dependencies, task_definition);

/// One record: started, dropped (no longer pending) or failed with the reason.
async fn consume(deps: &Dependencies<'_>, body: &str) -> Result<&'static str, DomainError> {
    let job = JobMessage::parse(body, Timestamp::now())?;
    let job = match deps.jobs.get(&job.job_id).await? {
        Some(stored) => stored,
        None => {
            deps.jobs.create(&job).await?;
            job
        }
    };
    if job.status != JobStatus::Pending {
        return Ok("dropped");
    }
    let input = json!({"job_id": job.job_id, "trace_id": job.trace_id, "config": job.config, "task_definition": deps.task_definition});
    let execution = deps.workflows.start(&job.job_id, &input).await?;
    let update = JobUpdate {
        execution_arn: Some(execution),
        ..JobUpdate::default()
    };
    deps.jobs
        .transition(&job.job_id, JobStatus::Pending, update, Timestamp::now())
        .await?;
    Ok("started")
}

/// Handle an SQS event; the partial-batch answer.
pub async fn handle(deps: &Dependencies<'_>, event: &Value) -> Value {
    let mut failures = Vec::new();
    for record in event["Records"].as_array().into_iter().flatten() {
        let id = record["messageId"].as_str().unwrap_or_default();
        match consume(deps, record["body"].as_str().unwrap_or_default()).await {
            Ok(outcome) => tracing::info!(message_id = id, outcome, "backtest request consumed"),
            Err(e) => {
                tracing::warn!(message_id = id, error = %e, "backtest request failed; the queue will redeliver it");
                failures.push(json!({"itemIdentifier": id}));
            }
        }
    }
    json!({"batchItemFailures": failures})
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tradai_domain::ports::TableLayout;
    use tradai_memory::{MemoryRecordStore, MemoryWorkflows};

    use super::*;

    #[tokio::test]
    async fn starts_each_request_once_and_reports_the_poison_ones() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = TableLayout::from_spec(
            "workflow-state",
            &config.settings().tables["workflow-state"],
        );
        let jobs = JobRepository::new(Arc::new(MemoryRecordStore::new(layout)));
        let workflows = MemoryWorkflows::new("tradai-backtest-workflow-dev");
        let deps = Dependencies {
            jobs: &jobs,
            workflows: &workflows,
            task_definition: "tradai-strategy-generic-dev".into(),
        };
        let nested = json!({"job_id": "j1", "config": {"strategy": "sma", "start_date": "2024-01-01", "end_date": "2024-02-01"}}).to_string();
        let legacy = json!({"job_id": "j2", "strategy_name": "sma", "start_date": "2024-01-01", "end_date": "2024-02-01", "priority": 1}).to_string();
        let event = json!({"Records": [
            {"messageId": "m1", "body": nested},
            {"messageId": "m2", "body": legacy},
            {"messageId": "m3", "body": "{not json"},
            {"messageId": "m4", "body": json!({"job_id": "j4", "config": {"strategy": "sma", "start_date": "2024-02-01", "end_date": "2024-01-01"}}).to_string()},
        ]});
        let answer = handle(&deps, &event).await;
        assert_eq!(
            answer,
            json!({"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m4"}]})
        );
        let j1 = jobs
            .get("j1")
            .await
            .expect("get")
            .expect("created from the message");
        assert!(j1.execution_arn.expect("execution").ends_with(":j1"));
        assert!(
            jobs.get("j2").await.expect("get").is_some(),
            "the legacy form too"
        );

        let again = handle(
            &deps,
            &json!({"Records": [{"messageId": "m1", "body": nested}]}),
        )
        .await;
        assert_eq!(
            again,
            json!({"batchItemFailures": []}),
            "a redelivery starts nothing new"
        );
        jobs.transition(
            "j2",
            JobStatus::Cancelled,
            JobUpdate::default(),
            Timestamp::now(),
        )
        .await
        .expect("cancel");
        assert_eq!(
            handle(
                &deps,
                &json!({"Records": [{"messageId": "m2", "body": legacy}]})
            )
            .await,
            json!({"batchItemFailures": []}),
            "cancelled: dropped"
        );
    }
}
