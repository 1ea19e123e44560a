//! Starting backtest workflows within `MAX_CONCURRENT_TASKS` (decision A19): the jobs in flight (RUNNING, or
//! PENDING and handed to an execution) count against the cap; a job beyond it waits PENDING in the table, not
//! in the queue, and is started oldest first when a later consumer batch or a sweep finds room. Shared by
//! backtest-consumer and job-sweeper.

use std::sync::Arc;

use tradai_domain::entities::{BacktestJob, Timestamp};
use tradai_domain::ports::{workflow_input, JobRepository, JobUpdate, Transition, WorkflowStarter};
use tradai_domain::{JobStatus, Result};

/// PENDING jobs looked at per count: the oldest, which are also the next to start.
const LOOK_AT: usize = 200;

/// Starts backtest workflows under a cap.
#[derive(Clone)]
pub struct Launcher {
    pub jobs: JobRepository,
    pub workflows: Arc<dyn WorkflowStarter>,
    /// The strategy task family the workflows run.
    pub task_definition: String,
    /// `MAX_CONCURRENT_TASKS`.
    pub max_concurrent: usize,
}

impl std::fmt::Debug for Launcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launcher")
            .field("task_definition", &self.task_definition)
            .field("max_concurrent", &self.max_concurrent)
            .finish()
    }
}

/// Whether `job` was handed to an executor (an execution or a task runs, or ran, it).
pub fn handed_over(job: &BacktestJob) -> bool {
    job.execution_arn.is_some() || job.ecs_task_arn.is_some()
}

/// From lists already read (`running` RUNNING jobs and the oldest PENDING ones): the jobs in flight, and the
/// PENDING jobs waiting for a start, oldest first.
pub fn in_flight(running: usize, pending: Vec<BacktestJob>) -> (usize, Vec<BacktestJob>) {
    let (handed, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(handed_over);
    (running + handed.len(), waiting)
}

impl Launcher {
    /// How many more workflows may start now, and the PENDING jobs waiting for one, oldest first.
    pub async fn room(&self) -> Result<(usize, Vec<BacktestJob>)> {
        let running = self
            .jobs
            .list_by_status(JobStatus::Running, self.max_concurrent, None)
            .await?
            .items
            .len();
        let pending = self.jobs.oldest(JobStatus::Pending, LOOK_AT).await?;
        let (in_flight, waiting) = in_flight(running, pending);
        Ok((self.room_beside(in_flight), waiting))
    }

    /// How many more workflows may start beside `in_flight` ones.
    pub fn room_beside(&self, in_flight: usize) -> usize {
        self.max_concurrent.saturating_sub(in_flight)
    }

    /// Start `job`'s workflow, named by the job id (a second start with the same input is the same execution),
    /// and record the execution on the job; whether this call moved the job.
    pub async fn start(&self, job: &BacktestJob, now: Timestamp) -> Result<bool> {
        let input = workflow_input(job, &self.task_definition);
        let execution = self.workflows.start(&job.job_id, &input).await?;
        let update = JobUpdate {
            execution_arn: Some(execution),
            ..JobUpdate::default()
        };
        Ok(matches!(
            self.jobs
                .transition(&job.job_id, JobStatus::Pending, update, now)
                .await?,
            Transition::Applied(_)
        ))
    }

    /// Start the oldest waiting jobs the cap has room for; their ids.
    pub async fn start_waiting(&self, now: Timestamp) -> Result<Vec<String>> {
        let (room, waiting) = self.room().await?;
        self.start_first(room, &waiting, now).await
    }

    /// Start the first `room` of `waiting`; the ids of those this call moved.
    pub async fn start_first(
        &self,
        room: usize,
        waiting: &[BacktestJob],
        now: Timestamp,
    ) -> Result<Vec<String>> {
        let mut started = Vec::new();
        for job in waiting.iter().take(room) {
            if self.start(job, now).await? {
                started.push(job.job_id.clone());
            }
        }
        Ok(started)
    }
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::TableLayout;
    use tradai_memory::{MemoryRecordStore, MemoryWorkflows};
    use tradai_test_support::samples::{at, job};

    use super::*;

    fn launcher(max_concurrent: usize) -> Launcher {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = TableLayout::from_spec(
            "workflow-state",
            &config.settings().tables["workflow-state"],
        );
        Launcher {
            jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(layout))),
            workflows: Arc::new(MemoryWorkflows::new("tradai-backtest-workflow-dev")),
            task_definition: "tradai-strategy-generic-dev".into(),
            max_concurrent,
        }
    }

    #[tokio::test]
    async fn starts_the_oldest_waiting_jobs_the_cap_has_room_for() {
        let launcher = launcher(2);
        let now = at("2026-03-01T12:00:00Z");
        for n in 0..5 {
            let created = format!("2026-03-01T11:0{n}:00Z");
            launcher
                .jobs
                .create(&job(&format!("j{n}"), "t", &created))
                .await
                .expect("create");
        }
        let first = launcher.start_waiting(now).await.expect("start");
        assert_eq!(first, ["j0", "j1"], "the two oldest, up to the cap");
        let full = launcher.start_waiting(now).await.expect("start");
        assert!(full.is_empty(), "two handed over: no room");
        launcher.jobs.claim("j0", "a", now).await.expect("claim");
        let running = launcher.start_waiting(now).await.expect("start");
        assert!(running.is_empty(), "a RUNNING job still counts");
        let done = JobUpdate::default();
        launcher
            .jobs
            .finish("j0", "a", JobStatus::Completed, done, now)
            .await
            .expect("finish");
        let freed = launcher.start_waiting(now).await.expect("start");
        assert_eq!(freed, ["j2"], "a finished job frees its place");
        let (room, waiting) = launcher.room().await.expect("room");
        assert_eq!(room, 0);
        let ids: Vec<&str> = waiting.iter().map(|j| j.job_id.as_str()).collect();
        assert_eq!(ids, ["j3", "j4"], "the rest wait, oldest first");
    }
}
