//! The job repository: backtest jobs over the workflow-state table, with guarded status transitions.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::records::{Guarded, Order, Page, RecordKey, RecordStore};
use crate::entities::{BacktestJob, JobError, Timestamp};
use crate::{DomainError, JobStatus, Result};

/// Index of jobs by status, newest first (reference §8.2).
pub const STATUS_INDEX: &str = "status-created_at-index";
/// Index of jobs by trace id.
pub const TRACE_INDEX: &str = "trace_id-index";

/// Fields written together with a status change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobUpdate {
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub error: Option<JobError>,
    pub execution_arn: Option<String>,
    pub ecs_task_arn: Option<String>,
    pub mlflow_run_id: Option<String>,
    pub result_key: Option<String>,
}

/// Outcome of a status transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// Written; the job as it is now.
    Applied(Box<BacktestJob>),
    /// Not written: the job already holds this terminal status; what the first terminal write recorded (its
    /// error, times, result) stands. A retried or second report of the same end is not an error.
    Repeated(Box<BacktestJob>),
    /// Not written: the job's current status does not allow the target (stale or lost race).
    Stale { current: JobStatus },
}

/// Backtest jobs.
#[derive(Clone)]
pub struct JobRepository {
    store: Arc<dyn RecordStore<BacktestJob>>,
}

impl std::fmt::Debug for JobRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobRepository")
    }
}

impl JobRepository {
    /// Jobs in `store`.
    pub fn new(store: Arc<dyn RecordStore<BacktestJob>>) -> Self {
        JobRepository { store }
    }

    /// The job, if it exists.
    pub async fn get(&self, job_id: &str) -> Result<Option<BacktestJob>> {
        self.store.get(&RecordKey::partition(job_id)).await
    }

    /// Store a new job; another job with the same id is a conflict. A conditional put that reports the job as
    /// present is read back: when the stored job is this one (an SDK retry of a put whose first attempt was
    /// written but whose answer was lost), the create succeeded.
    pub async fn create(&self, job: &BacktestJob) -> Result<()> {
        if self.store.put_if_absent(job).await? {
            return Ok(());
        }
        match self.get(&job.job_id).await? {
            Some(stored) if stored == *job => Ok(()),
            _ => Err(DomainError::Conflict(format!(
                "backtest job '{}' already exists",
                job.job_id
            ))),
        }
    }

    /// Move the job to `to` with a conditional write guarded by the lifecycle. A non-terminal same-state repeat
    /// applies again; a terminal one is `Repeated` and writes nothing, so the runner's own typed error is not
    /// overwritten by the workflow's later, vaguer report of the same failure.
    pub async fn transition(
        &self,
        job_id: &str,
        to: JobStatus,
        update: JobUpdate,
        now: Timestamp,
    ) -> Result<Transition> {
        let mut changes = Map::new();
        changes.insert("updated_at".into(), Value::from(now.to_string()));
        let optional = [
            (
                "started_at",
                update.started_at.map(|t| Value::from(t.to_string())),
            ),
            (
                "completed_at",
                update.completed_at.map(|t| Value::from(t.to_string())),
            ),
            (
                "error",
                update
                    .error
                    .map(|e| serde_json::json!({"Error": e.error, "Cause": e.cause})),
            ),
            ("execution_arn", update.execution_arn.map(Value::from)),
            ("ecs_task_arn", update.ecs_task_arn.map(Value::from)),
            ("mlflow_run_id", update.mlflow_run_id.map(Value::from)),
            ("result_key", update.result_key.map(Value::from)),
        ];
        for (field, value) in optional {
            if let Some(value) = value {
                changes.insert(field.into(), value);
            }
        }
        let key = RecordKey::partition(job_id);
        match super::lifecycle::transition(self.store.as_ref(), &key, to, changes).await? {
            Guarded::Applied(job) => Ok(Transition::Applied(Box::new(job))),
            Guarded::Rejected(job) if job.status == to => Ok(Transition::Repeated(Box::new(job))),
            Guarded::Rejected(job) => Ok(Transition::Stale {
                current: job.status,
            }),
        }
    }

    /// Jobs with `status`, newest first, a page at a time.
    pub async fn list_by_status(
        &self,
        status: JobStatus,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<BacktestJob>> {
        self.store
            .query_index(
                STATUS_INDEX,
                status.as_str(),
                Order::NewestFirst,
                limit,
                after,
            )
            .await
    }

    /// Every job carrying `trace_id`.
    pub async fn find_by_trace(&self, trace_id: &str) -> Result<Vec<BacktestJob>> {
        Ok(self
            .store
            .query_index(TRACE_INDEX, trace_id, Order::NewestFirst, 100, None)
            .await?
            .items)
    }
}
