//! backtest-consumer (§10.2 #1, §10.3): turn queued backtest requests into backtest workflow executions. Each
//! record is parsed (nested or legacy form) and its job row created when the message came from elsewhere than
//! the backend. Then the oldest waiting jobs are started, as many as `MAX_CONCURRENT_TASKS` leaves room for
//! (decision A19): each execution is named by the job id, so a redelivered message cannot start a second one,
//! and a job beyond the cap waits PENDING in the table (its message is done) until a later batch or the job
//! sweeper finds room. A job that is no longer PENDING (cancelled meanwhile) is dropped. Any failure, a
//! malformed message included, is reported in `batchItemFailures`: the queue redelivers it and, after its
//! receive limit, moves it to the dead-letter queue, so no request is lost. Each batch emits
//! `BacktestTasksLaunched` (executions started) and `BacktestRequestsFailed` (records reported back).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use tradai_config::metrics::{self, Emitter, Metric, Point};
use tradai_config::Function;
use tradai_domain::entities::{JobMessage, Timestamp};
use tradai_domain::ports::WorkflowStarter;
use tradai_domain::{DomainError, JobStatus};

use super::launch::{handed_over, Launcher};
use crate::HandlerError;

/// The backtest-consumer handler: what starts workflows under the cap, and where its metrics go.
#[derive(Clone)]
pub struct BacktestConsumer {
    pub launcher: Launcher,
    pub metrics: Option<Emitter>,
}

crate::handler_debug!(BacktestConsumer, launcher);

impl BacktestConsumer {
    /// The consumer over the platform's jobs, starting executions of `workflows` (the backtest state machine,
    /// which the ports do not hold) that run the settings' task family, at most `max_concurrent` at once,
    /// emitting through `metrics`.
    pub fn new(
        ports: &tradai_platform::Ports,
        workflows: Arc<dyn WorkflowStarter>,
        settings: crate::handlers::sqs_consumer::Settings,
        metrics: Option<Emitter>,
    ) -> Self {
        BacktestConsumer {
            launcher: Launcher {
                jobs: ports.jobs.clone(),
                workflows,
                task_definition: settings.task_definition,
                max_concurrent: settings.max_concurrent,
            },
            metrics,
        }
    }

    /// One record: [`WAITING`] (stored, to be started under the cap), [`REDELIVERED`] (its execution was
    /// started before: starting it again is a no-op), dropped (no longer pending) or failed with the reason.
    async fn consume(&self, body: &str, now: Timestamp) -> Result<&'static str, DomainError> {
        let jobs = &self.launcher.jobs;
        let job = JobMessage::parse(body, now)?;
        let job = match jobs.get(&job.job_id).await? {
            Some(stored) => stored,
            None => {
                jobs.create(&job).await?;
                job
            }
        };
        if job.status != JobStatus::Pending {
            return Ok("dropped");
        }
        if handed_over(&job) {
            self.launcher.start(&job, now).await?;
            return Ok(REDELIVERED);
        }
        Ok(WAITING)
    }
}

/// A record stored as a job waiting for room under the cap.
const WAITING: &str = "waiting";
/// A record delivered again after its execution was started.
const REDELIVERED: &str = "redelivered";

impl crate::registry::Handler for BacktestConsumer {
    const FUNCTION: Function = Function::BacktestConsumer;
    const ENVELOPED: bool = false;
    const EMITS: &'static [Metric] = &[
        metrics::BACKTEST_TASKS_LAUNCHED,
        metrics::BACKTEST_REQUESTS_FAILED,
    ];
    type Input = SqsEvent;
    type Output = SqsBatchResponse;
    type Settings = crate::handlers::sqs_consumer::Settings;

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            ports,
            crate::registry::required(
                &extras.workflows,
                "the backtest state machine",
                Self::FUNCTION,
            )?,
            settings,
            extras.metrics.clone(),
        ))
    }

    /// Handle an SQS event; the partial-batch answer (it never fails as a whole).
    async fn handle(
        &self,
        event: SqsEvent,
        now: Timestamp,
    ) -> Result<SqsBatchResponse, HandlerError> {
        let mut answer = SqsBatchResponse::default();
        for record in event.records {
            let id = record.message_id.unwrap_or_default();
            match self
                .consume(record.body.as_deref().unwrap_or_default(), now)
                .await
            {
                Ok(outcome) => {
                    tracing::info!(message_id = id, outcome, "backtest request consumed")
                }
                Err(e) => {
                    tracing::warn!(message_id = id, error = %e, "backtest request failed; the queue will redeliver it");
                    answer.add_failure(id);
                }
            }
        }
        // The batch's jobs are stored: if starting fails now, a later batch or the sweeper starts them.
        let launched = match self.launcher.start_waiting(now).await {
            Ok(started) => started.len(),
            Err(e) => {
                tracing::warn!(error = %e, "waiting backtests could not be started; a later batch or the sweeper will");
                0
            }
        };
        let failed = answer.batch_item_failures.len() as f64;
        crate::metrics::emit(
            self.metrics.as_ref(),
            now,
            &[Point::new()
                .value(metrics::BACKTEST_TASKS_LAUNCHED, launched as f64)
                .value(metrics::BACKTEST_REQUESTS_FAILED, failed)],
        );
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tradai_domain::ports::{JobRepository, JobUpdate, TableLayout};
    use tradai_memory::{MemoryRecordStore, MemoryWorkflows};

    use super::*;
    use crate::metrics::testing::{described, Captured};
    use crate::registry::Serve;

    #[tokio::test]
    async fn starts_each_request_once_and_reports_the_poison_ones() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = TableLayout::from_spec(
            "workflow-state",
            &config.settings().tables["workflow-state"],
        );
        let jobs = JobRepository::new(Arc::new(MemoryRecordStore::new(layout)));
        let captured = Captured::default();
        let consumer = BacktestConsumer {
            launcher: Launcher {
                jobs: jobs.clone(),
                workflows: Arc::new(MemoryWorkflows::new("tradai-backtest-workflow-dev")),
                task_definition: "tradai-strategy-generic-dev".into(),
                max_concurrent: 10,
            },
            metrics: captured.emitter(),
        };
        let handle = |event: Value| {
            let consumer = &consumer;
            async move {
                consumer
                    .serve(event, Timestamp::now(), "dev")
                    .await
                    .expect("an SQS batch always has an answer")
            }
        };
        let nested = json!({"job_id": "j1", "config": {"strategy": "sma", "start_date": "2024-01-01", "end_date": "2024-02-01"}}).to_string();
        let legacy = json!({"job_id": "j2", "strategy_name": "sma", "start_date": "2024-01-01", "end_date": "2024-02-01", "priority": 1}).to_string();
        let event = json!({"Records": [
            {"messageId": "m1", "body": nested},
            {"messageId": "m2", "body": legacy, "attributes": {"ApproximateReceiveCount": "1"}},
            {"messageId": "m3", "body": "{not json"},
            {"messageId": "m4", "body": json!({"job_id": "j4", "config": {"strategy": "sma", "start_date": "2024-02-01", "end_date": "2024-01-01"}}).to_string()},
        ]});
        let answer = handle(event).await;
        assert_eq!(
            answer,
            json!({"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m4"}]})
        );
        assert_eq!(
            described(&captured.take()),
            [
                "TradAI/BacktestTasksLaunched{Environment=dev} 2 Count",
                "TradAI/BacktestRequestsFailed{Environment=dev} 2 Count",
            ]
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

        let again = handle(json!({"Records": [{"messageId": "m1", "body": nested}]})).await;
        assert_eq!(
            again,
            json!({"batchItemFailures": []}),
            "a redelivery starts nothing new"
        );
        assert_eq!(
            described(&captured.take()),
            [
                "TradAI/BacktestTasksLaunched{Environment=dev} 0 Count",
                "TradAI/BacktestRequestsFailed{Environment=dev} 0 Count",
            ]
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
            handle(json!({"Records": [{"messageId": "m2", "body": legacy}]})).await,
            json!({"batchItemFailures": []}),
            "cancelled: dropped"
        );
    }
}
