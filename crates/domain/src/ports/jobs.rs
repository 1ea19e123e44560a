//! The job repository: backtest jobs over the workflow-state table, with guarded status transitions.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::records::{Condition, Guarded, Order, Page, RecordKey, RecordStore};
use crate::entities::{BacktestJob, JobError, Timestamp};
use crate::{DomainError, JobStatus, Lifecycle, Result};

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

/// How long a runner attempt holds its job without renewing it (decision A14): it renews every third of it, so
/// a runner that died loses the job within five minutes and the sweeper or another runner may take it.
pub const LEASE_SECONDS: i64 = 300;

/// The job attribute naming the runner attempt that holds it.
const ATTEMPT: &str = "attempt_id";
/// The job attribute holding the end of the attempt's lease (epoch seconds).
const LEASE: &str = "lease_until";

/// The guard "held by runner attempt `attempt`".
pub fn held_by(attempt: &str) -> Condition {
    Condition::equals(ATTEMPT, attempt)
}

/// The guard "no runner attempt has claimed it".
pub fn unclaimed() -> Condition {
    Condition::Missing(ATTEMPT.into())
}

/// The guard "its attempt's lease ended before `now`".
pub fn lease_ended(now: Timestamp) -> Condition {
    Condition::Below(LEASE.into(), now.epoch_seconds())
}

/// The attributes a transition writes: `updated_at` and the update's fields that are set.
fn changes(update: JobUpdate, now: Timestamp) -> Map<String, Value> {
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
    changes
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
        self.guarded(job_id, to, None, changes(update, now)).await
    }

    /// [`JobRepository::transition`] that also needs `guard` to hold (the sweeper fails a job only in the
    /// state it found it in).
    pub async fn transition_when(
        &self,
        job_id: &str,
        to: JobStatus,
        guard: Condition,
        update: JobUpdate,
        now: Timestamp,
    ) -> Result<Transition> {
        self.guarded(job_id, to, Some(guard), changes(update, now))
            .await
    }

    /// Claim the job for runner attempt `attempt` (a fresh id per runner process): PENDING, or RUNNING with no
    /// holder (the workflow marked it) or a holder whose lease ran out (a runner that died), becomes RUNNING
    /// held by `attempt` until `now` + [`LEASE_SECONDS`]. One conditional write, so of two runners at most one
    /// holds the job; the other gets `Stale` and must not run it. A refusal that shows the job held by this very
    /// attempt is this claim's own write, whose answer was lost and whose retry the guard refused: the attempt id
    /// is fresh, so no other writer can have set it. It counts as applied.
    pub async fn claim(&self, job_id: &str, attempt: &str, now: Timestamp) -> Result<Transition> {
        let free = Condition::Any(vec![
            Condition::equals("status", JobStatus::Pending.as_str()),
            Condition::All(vec![
                Condition::equals("status", JobStatus::Running.as_str()),
                Condition::Any(vec![unclaimed(), lease_ended(now)]),
            ]),
        ]);
        let mut changes = changes(
            JobUpdate {
                started_at: Some(now),
                ..JobUpdate::default()
            },
            now,
        );
        changes.insert(ATTEMPT.into(), Value::from(attempt));
        changes.insert(
            LEASE.into(),
            Value::from(now.epoch_seconds() + LEASE_SECONDS),
        );
        let key = RecordKey::partition(job_id);
        let claimed = super::lifecycle::transition_when(
            self.store.as_ref(),
            &key,
            JobStatus::Running,
            Some(free),
            changes,
        )
        .await?;
        Ok(match claimed {
            Guarded::Rejected(job)
                if job.status == JobStatus::Running
                    && job.attempt_id.as_deref() == Some(attempt) =>
            {
                Transition::Applied(Box::new(job))
            }
            other => Self::outcome(other, JobStatus::Running),
        })
    }

    /// Extend the lease of `attempt` to `now` + [`LEASE_SECONDS`]; `false` when it no longer holds the job
    /// (cancelled, failed by the sweeper, or taken over).
    pub async fn renew(&self, job_id: &str, attempt: &str, now: Timestamp) -> Result<bool> {
        let mut changes = Map::new();
        changes.insert(
            LEASE.into(),
            Value::from(now.epoch_seconds() + LEASE_SECONDS),
        );
        let held = Condition::All(vec![
            Condition::equals("status", JobStatus::Running.as_str()),
            held_by(attempt),
        ]);
        let key = RecordKey::partition(job_id);
        Ok(matches!(
            self.store.update_when(&key, &held, &changes).await?,
            Guarded::Applied(_)
        ))
    }

    /// End the job as `to` (COMPLETED or FAILED) for `attempt`, only while it holds the job: a runner whose
    /// claim was taken over (or whose job was cancelled or failed meanwhile) gets `Stale` or `Repeated` and
    /// writes nothing, so no job is completed twice.
    pub async fn finish(
        &self,
        job_id: &str,
        attempt: &str,
        to: JobStatus,
        update: JobUpdate,
        now: Timestamp,
    ) -> Result<Transition> {
        self.transition_when(job_id, to, held_by(attempt), update, now)
            .await
    }

    async fn guarded(
        &self,
        job_id: &str,
        to: JobStatus,
        extra: Option<Condition>,
        changes: Map<String, Value>,
    ) -> Result<Transition> {
        let key = RecordKey::partition(job_id);
        let written =
            super::lifecycle::transition_when(self.store.as_ref(), &key, to, extra, changes)
                .await?;
        Ok(Self::outcome(written, to))
    }

    /// The transition a guarded write to `to` made.
    fn outcome(written: Guarded<BacktestJob>, to: JobStatus) -> Transition {
        match written {
            Guarded::Applied(job) => Transition::Applied(Box::new(job)),
            Guarded::Rejected(job) if job.status == to && to.is_terminal() => {
                Transition::Repeated(Box::new(job))
            }
            Guarded::Rejected(job) => Transition::Stale {
                current: job.status,
            },
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

    /// The `limit` oldest jobs with `status` (the sweeper's view).
    pub async fn oldest(&self, status: JobStatus, limit: usize) -> Result<Vec<BacktestJob>> {
        Ok(self
            .store
            .query_index(
                STATUS_INDEX,
                status.as_str(),
                Order::OldestFirst,
                limit,
                None,
            )
            .await?
            .items)
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
