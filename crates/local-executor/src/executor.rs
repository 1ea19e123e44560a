//! [`LocalExecutor`]: jobs run in this process, the backtest workflow interpreted locally; and [`executor`],
//! which builds any of the four kinds.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;
use tradai_config::Config;
use tradai_domain::entities::BacktestJob;
use tradai_domain::ports::{job_message, Executor, JobUpdate};
use tradai_domain::Result;
use tradai_platform::{ExecutorKind, Platform, Ports};

use crate::{LocalIntegrations, LocalWorkflow};

/// Runs jobs in this process: the backtest workflow interpreted locally, its tasks answered by the Rust
/// handlers and the runner (the local platform: no queue, cloud or container). At most the cloud's cap of
/// workflows run at once (backtest-consumer's `MAX_CONCURRENT_TASKS`); a job beyond it waits PENDING, in
/// submission order, for a place.
pub struct LocalExecutor {
    pub workflow: Arc<LocalWorkflow>,
    places: Arc<tokio::sync::Semaphore>,
}

/// Workflows the cloud runs at once: backtest-consumer's `MAX_CONCURRENT_TASKS` (10 when the config does not
/// say or says something else than a whole number from 1).
pub fn concurrency(config: &Config) -> usize {
    config
        .settings()
        .lambdas
        .get(tradai_config::Function::BacktestConsumer.key())
        .and_then(|l| l.env.get("MAX_CONCURRENT_TASKS"))
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(10)
}

impl std::fmt::Debug for LocalExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalExecutor")
    }
}

impl LocalExecutor {
    /// The config's backtest workflow over `ports`.
    pub fn new(config: &Config, ports: &Ports) -> Result<LocalExecutor> {
        Ok(LocalExecutor {
            workflow: Arc::new(LocalWorkflow::backtest(
                config,
                LocalIntegrations::from_ports(config, ports),
            )?),
            places: Arc::new(tokio::sync::Semaphore::new(concurrency(config))),
        })
    }
}

#[async_trait]
impl Executor for LocalExecutor {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn submit(&self, job: &BacktestJob) -> Result<JobUpdate> {
        let workflow = self.workflow.clone();
        let mut input = job_message(job);
        input["task_definition"] = json!(workflow.task_definition);
        let job_id = job.job_id.clone();
        let places = self.places.clone();
        tokio::spawn(async move {
            // The semaphore is never closed; it queues waiters first come, first served.
            let Ok(_place) = places.acquire_owned().await else {
                return;
            };
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

/// An executor of `kind` on `platform`: `local` runs the workflow in this process over its ports; the others
/// hand jobs to its queue, state machine or cluster.
pub async fn executor(
    kind: ExecutorKind,
    config: &Config,
    platform: &Platform,
) -> Result<Arc<dyn Executor>> {
    match kind {
        ExecutorKind::Local => Ok(Arc::new(LocalExecutor::new(config, &platform.ports)?)),
        kind => platform.remote_executor(kind, config).await,
    }
}
