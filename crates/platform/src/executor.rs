//! The backtest executors of reference §6.3 over the platform's ports: `sqs` queues jobs for the
//! backtest-consumer (back-pressure), `stepfunctions` starts the backtest workflow directly, `ecs` starts the
//! runner task for the job (no workflow). The fourth, `local` (the workflow in this process), is built by
//! `tradai-local-executor`, which links the handlers and the runner.

use std::sync::Arc;

use async_trait::async_trait;
use tradai_config::Config;
use tradai_domain::entities::BacktestJob;
use tradai_domain::ports::{
    job_message, workflow_input, Executor, JobQueue, JobUpdate, OutgoingMessage, TaskRequest,
    TaskRunner, WorkflowStarter, BACKEND_STARTED_BY,
};
#[cfg(feature = "aws-ports")]
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::Ports;

/// Where submitted jobs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    Sqs,
    Stepfunctions,
    Ecs,
    Local,
}

/// The generic strategy task family the workflow and the `ecs` executor run.
pub fn strategy_task_definition(config: &Config) -> String {
    config.names().ecs_service(
        config
            .service_component("strategy-container")
            .unwrap_or("strategy-generic"),
    )
}

/// An executor of a kind that runs outside this process (`local` is refused: build it with
/// `tradai-local-executor`), on AWS adapters over `clients`. The queue URL and the state machine's ARN are
/// looked up now.
#[cfg(feature = "aws-ports")]
pub async fn aws(
    kind: ExecutorKind,
    config: &Config,
    clients: &tradai_aws::Clients,
    ports: &Ports,
) -> Result<Arc<dyn Executor>> {
    use tradai_aws::SqsQueue;
    let policy = |service: &str| Arc::new(ResiliencePolicy::aws(service));
    Ok(match kind {
        ExecutorKind::Sqs => Arc::new(QueueExecutor {
            queue: Arc::new(
                SqsQueue::lookup(
                    clients.sqs.clone(),
                    config,
                    "backtest",
                    false,
                    policy("sqs"),
                )
                .await?,
            ),
        }),
        ExecutorKind::Stepfunctions => Arc::new(WorkflowExecutor {
            workflows: workflow(config, clients, "backtest").await?,
            task_definition: strategy_task_definition(config),
        }),
        ExecutorKind::Ecs => ecs(config, ports),
        ExecutorKind::Local => return Err(not_remote()),
    })
}

/// The config's state machine `key` (`backtest`, `hyperopt`, …) over `clients`: its ARN from the caller's
/// account, looked up now.
#[cfg(feature = "aws-ports")]
pub async fn workflow(
    config: &Config,
    clients: &tradai_aws::Clients,
    key: &str,
) -> Result<Arc<tradai_aws::SfnWorkflows>> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| DomainError::External {
            service: "sts".into(),
            kind: tradai_domain::ExternalKind::Unavailable,
            message: e.to_string(),
        })?;
    let arn = format!(
        "arn:aws:states:{}:{}:stateMachine:{}",
        config.settings().aws.region,
        identity.account().unwrap_or_default(),
        config.names().state_machine(key)
    );
    Ok(Arc::new(tradai_aws::SfnWorkflows::new(
        clients.sfn.clone(),
        arn,
        Arc::new(ResiliencePolicy::aws("states")),
    )))
}

/// The `ecs` executor over the ports' task runner.
pub fn ecs(config: &Config, ports: &Ports) -> Arc<dyn Executor> {
    Arc::new(EcsExecutor {
        tasks: ports.tasks.clone(),
        task_definition: strategy_task_definition(config),
    })
}

/// The error for asking this crate for the `local` executor.
pub fn not_remote() -> DomainError {
    DomainError::Configuration(
        "the local executor runs the workflow in this process; build it with tradai-local-executor"
            .into(),
    )
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
                body: job_message(job).to_string(),
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
        let input = workflow_input(job, &self.task_definition);
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
                started_by: BACKEND_STARTED_BY.into(),
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
