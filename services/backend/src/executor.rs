//! Backtest executors (reference §6.3): where a PENDING job goes after it is stored. `sqs` queues it for the
//! backtest-consumer (back-pressure); `stepfunctions` starts the backtest workflow directly. (`local`, the
//! in-process workflow, and `ecs` arrive with the workflow runner, issue 8.)

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;
use tradai_domain::entities::BacktestJob;
use tradai_domain::ports::{JobQueue, OutgoingMessage, WorkflowStarter};
use tradai_domain::Result;

/// Hands jobs to whatever runs them.
#[async_trait]
pub trait Executor: Send + Sync {
    /// Its name in health and logs.
    fn name(&self) -> &'static str;
    /// Start `job`; the workflow execution id when there is one.
    async fn submit(&self, job: &BacktestJob) -> Result<Option<String>>;
    /// Stop what runs `job` (after its status moved to CANCELLED).
    async fn cancel(&self, job: &BacktestJob) -> Result<()>;
}

/// The queue message of reference §10.3 (nested form) for `job`.
pub fn message(job: &BacktestJob) -> serde_json::Value {
    json!({"job_id": job.job_id, "trace_id": job.trace_id, "config": job.config})
}

/// Queues jobs on the backtest queue (FIFO: one group per strategy, deduplicated by job id).
pub struct QueueExecutor {
    pub queue: Arc<dyn JobQueue>,
}

impl std::fmt::Debug for QueueExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueueExecutor")
    }
}

#[async_trait]
impl Executor for QueueExecutor {
    fn name(&self) -> &'static str {
        "sqs"
    }

    async fn submit(&self, job: &BacktestJob) -> Result<Option<String>> {
        self.queue
            .send(OutgoingMessage {
                body: message(job).to_string(),
                group_id: Some(job.config.strategy.clone()),
                dedup_id: Some(job.job_id.clone()),
            })
            .await?;
        Ok(None)
    }

    async fn cancel(&self, _job: &BacktestJob) -> Result<()> {
        // A queued job is dropped by the consumer: its guarded RUNNING transition fails on CANCELLED.
        Ok(())
    }
}

/// Starts the backtest workflow, one execution per job (named by the job id, so a retry cannot start two).
pub struct WorkflowExecutor {
    pub workflows: Arc<dyn WorkflowStarter>,
    /// The strategy task family the workflow's RunBacktest state runs (`$.task_definition`).
    pub task_definition: String,
}

impl std::fmt::Debug for WorkflowExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowExecutor")
            .field("task_definition", &self.task_definition)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Executor for WorkflowExecutor {
    fn name(&self) -> &'static str {
        "stepfunctions"
    }

    async fn submit(&self, job: &BacktestJob) -> Result<Option<String>> {
        let mut input = message(job);
        input["task_definition"] = json!(self.task_definition);
        Ok(Some(self.workflows.start(&job.job_id, &input).await?))
    }

    async fn cancel(&self, job: &BacktestJob) -> Result<()> {
        match &job.execution_arn {
            Some(execution) => {
                self.workflows
                    .stop(execution, "cancelled by the user")
                    .await
            }
            None => Ok(()),
        }
    }
}
