//! Backtest executors (reference §6.3): where a PENDING job goes after it is stored. The adapters (queue,
//! workflow, ECS task, the in-process local workflow) are assembled by the composition root (`tradai-platform`).

use async_trait::async_trait;
use serde_json::json;

use crate::entities::BacktestJob;
use crate::ports::JobUpdate;
use crate::Result;

/// Who starts ECS tasks for backtests (`startedBy`), so the backend can find and stop its own tasks.
pub const BACKEND_STARTED_BY: &str = "tradai-backend";

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

/// The queue message of reference §10.3 (nested form) for `job`; the workflow input adds `task_definition`.
pub fn job_message(job: &BacktestJob) -> serde_json::Value {
    json!({"job_id": job.job_id, "trace_id": job.trace_id, "config": job.config})
}

/// The backtest workflow's input for `job`, run on the strategy task family `task_definition`. Every starter
/// (the backend's executor, backtest-consumer, job-sweeper) builds it here: an execution is named by the job id,
/// and Step Functions treats a second start of that name as the same execution only when the input is equal.
pub fn workflow_input(job: &BacktestJob, task_definition: &str) -> serde_json::Value {
    let mut input = job_message(job);
    input["task_definition"] = json!(task_definition);
    input
}
