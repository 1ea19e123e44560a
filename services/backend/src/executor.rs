//! Backtest executors (reference §6.3): where a PENDING job goes after it is stored. `sqs` queues it for the
//! backtest-consumer (back-pressure); `stepfunctions` starts the backtest workflow directly; `ecs` starts the
//! runner task for the job (no workflow); `local` runs the runner in this process (the local platform).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;
use tradai_domain::entities::BacktestJob;
use tradai_domain::ports::{
    JobQueue, JobUpdate, OutgoingMessage, TaskRequest, TaskRunner, WorkflowStarter,
};
use tradai_domain::Result;

/// Hands jobs to whatever runs them.
#[async_trait]
pub trait Executor: Send + Sync {
    /// Its name in health and logs.
    fn name(&self) -> &'static str;
    /// Start `job`; what to record on the job (the workflow execution or the task), if anything.
    async fn submit(&self, job: &BacktestJob) -> Result<JobUpdate>;
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

    async fn submit(&self, job: &BacktestJob) -> Result<JobUpdate> {
        self.queue
            .send(OutgoingMessage {
                body: message(job).to_string(),
                group_id: Some(job.config.strategy.clone()),
                dedup_id: Some(job.job_id.clone()),
            })
            .await?;
        Ok(JobUpdate::default())
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

    async fn submit(&self, job: &BacktestJob) -> Result<JobUpdate> {
        let mut input = message(job);
        input["task_definition"] = json!(self.task_definition);
        let execution = self.workflows.start(&job.job_id, &input).await?;
        Ok(JobUpdate {
            execution_arn: Some(execution),
            ..JobUpdate::default()
        })
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

/// Starts the backtest runner as an ECS task per job, without a workflow (`ecs:RunTask` with `JOB_ID`).
pub struct EcsExecutor {
    pub tasks: Arc<dyn TaskRunner>,
    /// The generic strategy task family.
    pub task_definition: String,
}

impl std::fmt::Debug for EcsExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcsExecutor")
            .field("task_definition", &self.task_definition)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Executor for EcsExecutor {
    fn name(&self) -> &'static str {
        "ecs"
    }

    async fn submit(&self, job: &BacktestJob) -> Result<JobUpdate> {
        let task = self
            .tasks
            .run(TaskRequest {
                task_definition: self.task_definition.clone(),
                container: "strategy".into(),
                environment: [
                    ("JOB_ID", job.job_id.as_str()),
                    ("TRACE_ID", job.trace_id.as_str()),
                    ("STRATEGY", job.config.strategy.as_str()),
                    ("TRADING_MODE", "backtest"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
                tags: [
                    ("job_id", job.job_id.as_str()),
                    ("strategy_name", job.config.strategy.as_str()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
                started_by: crate::routes::operations::STARTED_BY.into(),
            })
            .await?;
        Ok(JobUpdate {
            ecs_task_arn: Some(task.task_arn),
            ..JobUpdate::default()
        })
    }

    async fn cancel(&self, job: &BacktestJob) -> Result<()> {
        match &job.ecs_task_arn {
            Some(task) => self.tasks.stop(task, "cancelled by the user").await,
            None => Ok(()),
        }
    }
}

/// Runs jobs in this process: the backtest workflow interpreted locally, its tasks answered by the Rust
/// handlers and the runner (the local platform: no queue, cloud or container).
pub struct LocalExecutor {
    pub workflow: Arc<crate::local_workflow::LocalWorkflow>,
}

impl std::fmt::Debug for LocalExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalExecutor")
    }
}

#[async_trait]
impl Executor for LocalExecutor {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn submit(&self, job: &BacktestJob) -> Result<JobUpdate> {
        let workflow = self.workflow.clone();
        let mut input = message(job);
        input["task_definition"] = json!(workflow.task_definition);
        let job_id = job.job_id.clone();
        tokio::spawn(async move {
            let execution = workflow.execute(&job_id, input).await;
            tracing::info!(%job_id, succeeded = execution.succeeded, states = ?execution.visited, error = ?execution.error, "local workflow finished");
        });
        Ok(JobUpdate {
            execution_arn: Some(format!("local:{}", job.job_id)),
            ..JobUpdate::default()
        })
    }

    async fn cancel(&self, _job: &BacktestJob) -> Result<()> {
        // The runner's and update-status's guarded transitions see CANCELLED: a job not started is skipped, a
        // running one is not marked COMPLETED.
        Ok(())
    }
}
