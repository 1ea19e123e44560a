//! job-sweeper (decision A15; not in the reference): the backtest jobs a crash left behind, found on a schedule
//! and either started again or failed with the reason, so no job waits forever.
//! - PENDING longer than `PENDING_TIMEOUT_MINUTES` and never handed to an executor (no execution, no task: the
//!   backend stopped between storing and starting it, its queue message was dead-lettered, or it waited for
//!   room under `MAX_CONCURRENT_TASKS`): its backtest workflow is started when the cap has room (else
//!   `deferred`), named by the job id as the backtest consumer names it, so a late consumer cannot start a
//!   second one. Younger waiting jobs are then started as the cap allows, as the consumer does.
//! - PENDING that long although handed over (the execution or task that should have run it never did): FAILED,
//!   `Stuck`.
//! - RUNNING with a runner whose lease ran out (the runner died without its workflow reporting it): FAILED,
//!   `RunnerLost`, guarded by that lease, so a runner that renewed meanwhile keeps its job.
//! - RUNNING without a runner for `CLAIM_TIMEOUT_MINUTES` (the workflow marked it but no runner ever claimed it):
//!   FAILED, `NeverClaimed`.
//!
//! Each sweep looks at the oldest [`PER_STATUS`] jobs of each status; `dry_run` reports without acting. It emits
//! `StuckJobsSwept`, which the `jobs-stuck` alarm watches.

use serde::{Deserialize, Serialize};
use tradai_config::metrics::{self, Emitter, Metric, Point};
use tradai_config::Function;
use tradai_domain::entities::{BacktestJob, JobError, Timestamp};
use tradai_domain::ports::{held_by, lease_ended, unclaimed, Condition, JobUpdate, Transition};
use tradai_domain::JobStatus;

use super::launch::{handed_over, in_flight, Launcher};
use crate::HandlerError;

/// The jobs of each status one sweep looks at, oldest first: a bounded sweep fits the function's timeout, and
/// the next one goes on.
pub const PER_STATUS: usize = 200;

/// The function's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Minutes a job may stay PENDING (`PENDING_TIMEOUT_MINUTES`, 15).
    pub pending_minutes: i64,
    /// Minutes a RUNNING job may wait for a runner to claim it (`CLAIM_TIMEOUT_MINUTES`, 60).
    pub claim_minutes: i64,
    /// Report only (`DRY_RUN`, false).
    pub dry_run: bool,
}

/// The job-sweeper handler: what starts workflows under the cap (the jobs table, the backtest state machine)
/// and where its metric goes.
#[derive(Clone)]
pub struct JobSweeper {
    pub launcher: Launcher,
    pub metrics: Option<Emitter>,
    pub settings: Settings,
}

crate::handler_debug!(JobSweeper, settings);

/// The scheduled event; `dry_run` overrides the setting. An EventBridge event's other fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Sweep {
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// What a sweep found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Swept {
    pub dry_run: bool,
    /// Jobs looked at (PENDING and RUNNING).
    pub scanned: usize,
    /// The stuck ones and what was done.
    pub jobs: Vec<SweptJob>,
    /// Younger waiting jobs started because the cap had room.
    pub started: Vec<String>,
}

/// One stuck job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SweptJob {
    pub job_id: String,
    /// Its status when found.
    pub was: JobStatus,
    /// `started`, `deferred` (no room under the cap), `failed`, `skipped` (another writer moved it first) or
    /// `would_start` / `would_fail` (dry run).
    pub action: &'static str,
    /// Why it was stuck (the error name a failed job gets).
    pub reason: &'static str,
    pub cause: String,
}

/// What to do with a job found stuck.
enum Verdict {
    Start,
    Fail {
        reason: &'static str,
        cause: String,
        guard: Option<Condition>,
    },
}

impl JobSweeper {
    fn verdict(&self, job: &BacktestJob, now: Timestamp) -> Option<Verdict> {
        let minutes = (now.epoch_seconds() - job.updated_at.epoch_seconds()) / 60;
        match job.status {
            JobStatus::Pending if minutes < self.settings.pending_minutes => None,
            JobStatus::Pending if !handed_over(job) => Some(Verdict::Start),
            JobStatus::Pending => Some(Verdict::Fail {
                reason: "Stuck",
                cause: format!(
                    "PENDING for {minutes} minutes after it was handed to {}; nothing ran it",
                    job.execution_arn
                        .as_deref()
                        .or(job.ecs_task_arn.as_deref())
                        .unwrap_or_default()
                ),
                guard: None,
            }),
            JobStatus::Running => match (&job.attempt_id, job.lease_until) {
                (Some(attempt), Some(until)) if until < now.epoch_seconds() => {
                    Some(Verdict::Fail {
                        reason: "RunnerLost",
                        cause: format!(
                            "its runner (attempt {attempt}) stopped renewing its lease {} s ago",
                            now.epoch_seconds() - until
                        ),
                        guard: Some(Condition::All(vec![held_by(attempt), lease_ended(now)])),
                    })
                }
                (None, _) if minutes >= self.settings.claim_minutes => Some(Verdict::Fail {
                    reason: "NeverClaimed",
                    cause: format!("RUNNING for {minutes} minutes without a runner claiming it"),
                    guard: Some(unclaimed()),
                }),
                _ => None,
            },
            _ => None,
        }
    }

    async fn fail(
        &self,
        job: &BacktestJob,
        error: JobError,
        guard: Option<Condition>,
        now: Timestamp,
    ) -> Result<bool, HandlerError> {
        let update = JobUpdate {
            completed_at: Some(now),
            error: Some(error),
            ..JobUpdate::default()
        };
        // Failing is guarded by the status the job was found in (and the lease or its absence), so a job that
        // moved meanwhile is left as it is.
        let found = Condition::equals("status", job.status.as_str());
        let guard = match guard {
            Some(extra) => Condition::All(vec![found, extra]),
            None => found,
        };
        Ok(matches!(
            self.launcher
                .jobs
                .transition_when(&job.job_id, JobStatus::Failed, guard, update, now)
                .await?,
            Transition::Applied(_)
        ))
    }
}

impl crate::registry::Handler for JobSweeper {
    const FUNCTION: Function = Function::JobSweeper;
    const EMITS: &'static [Metric] = &[metrics::STUCK_JOBS_SWEPT];
    type Input = Sweep;
    type Output = Swept;
    /// Its own settings and the cap's (`MAX_CONCURRENT_TASKS`, the strategy task family).
    type Settings = (Settings, crate::handlers::sqs_consumer::Settings);

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        let (settings, launch) = settings;
        Ok(JobSweeper {
            launcher: Launcher {
                jobs: ports.jobs.clone(),
                workflows: crate::registry::required(
                    &extras.workflows,
                    "the backtest state machine",
                    Self::FUNCTION,
                )?,
                task_definition: launch.task_definition,
                max_concurrent: launch.max_concurrent,
            },
            metrics: extras.metrics.clone(),
            settings,
        })
    }

    /// Sweep at `now`.
    async fn handle(&self, sweep: Sweep, now: Timestamp) -> Result<Swept, HandlerError> {
        let dry_run = sweep.dry_run.unwrap_or(self.settings.dry_run);
        // One read of each status serves the sweep and the cap's accounting (decision A19).
        let pending = self
            .launcher
            .jobs
            .oldest(JobStatus::Pending, PER_STATUS)
            .await?;
        let running = self
            .launcher
            .jobs
            .oldest(JobStatus::Running, PER_STATUS)
            .await?;
        let (mut in_flight, waiting) = in_flight(running.len(), pending.clone());
        let found: Vec<BacktestJob> = pending.into_iter().chain(running).collect();
        let mut jobs = Vec::new();
        for job in &found {
            let Some(verdict) = self.verdict(job, now) else {
                continue;
            };
            let (reason, cause, action) = match verdict {
                Verdict::Start => {
                    let cause = "PENDING and never handed to an executor".to_owned();
                    let action = match (self.launcher.room_beside(in_flight), dry_run) {
                        (0, _) => "deferred",
                        (_, true) => "would_start",
                        (_, false) if self.launcher.start(job, now).await? => "started",
                        (_, false) => "skipped",
                    };
                    in_flight += usize::from(action != "deferred");
                    ("NotStarted", cause, action)
                }
                Verdict::Fail {
                    reason,
                    cause,
                    guard,
                } => {
                    let error = JobError {
                        error: reason.to_owned(),
                        cause: format!("{cause} (failed by the job sweeper)"),
                    };
                    let action = match dry_run {
                        true => "would_fail",
                        false if self.fail(job, error, guard, now).await? => "failed",
                        false => "skipped",
                    };
                    // A job in flight that is failed frees its place for a waiting one.
                    let flying = job.status == JobStatus::Running || handed_over(job);
                    in_flight -= usize::from(action == "failed" && flying);
                    (reason, cause, action)
                }
            };
            tracing::warn!(job_id = %job.job_id, was = %job.status, reason, action, %cause, "stuck job swept");
            jobs.push(SweptJob {
                job_id: job.job_id.clone(),
                was: job.status,
                action,
                reason,
                cause,
            });
        }
        let started = match dry_run {
            true => Vec::new(),
            false => {
                // The waiting jobs this sweep did not already start (the deferred ones included), oldest first.
                let acted: Vec<&str> = jobs
                    .iter()
                    .filter(|j| j.action != "deferred")
                    .map(|j| j.job_id.as_str())
                    .collect();
                let rest: Vec<BacktestJob> = waiting
                    .into_iter()
                    .filter(|j| !acted.contains(&j.job_id.as_str()))
                    .collect();
                let room = self.launcher.room_beside(in_flight);
                self.launcher.start_first(room, &rest, now).await?
            }
        };
        crate::metrics::emit(
            self.metrics.as_ref(),
            now,
            &[Point::new().value(metrics::STUCK_JOBS_SWEPT, jobs.len() as f64)],
        );
        Ok(Swept {
            dry_run,
            scanned: found.len(),
            jobs,
            started,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tradai_domain::ports::JobRepository;
    use tradai_domain::ports::TableLayout;
    use tradai_memory::{MemoryRecordStore, MemoryWorkflows};
    use tradai_test_support::samples::{at, job};

    use super::*;
    use crate::metrics::testing::{described, Captured};
    use crate::registry::Handler;

    const NOW: &str = "2026-03-01T12:00:00Z";

    fn sweeper(captured: &Captured) -> JobSweeper {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = TableLayout::from_spec(
            "workflow-state",
            &config.settings().tables["workflow-state"],
        );
        JobSweeper {
            launcher: Launcher {
                jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(layout))),
                workflows: Arc::new(MemoryWorkflows::new("tradai-backtest-workflow-dev")),
                task_definition: "tradai-strategy-generic-dev".into(),
                max_concurrent: 10,
            },
            metrics: captured.emitter(),
            settings: Settings {
                pending_minutes: 15,
                claim_minutes: 60,
                dry_run: false,
            },
        }
    }

    /// Jobs in every state a crash can leave, `minutes` before [`NOW`] where their age matters.
    async fn stuck_jobs(jobs: &JobRepository) {
        let ago = |minutes: i64| at(NOW).plus_seconds(-60 * minutes);
        for (id, minutes) in [
            ("fresh", 5),
            ("unsubmitted", 30),
            ("handed", 30),
            ("lost", 30),
            ("held", 30),
            ("unclaimed", 90),
            ("marked", 20),
        ] {
            let mut j = job(id, "trace", NOW);
            (j.created_at, j.updated_at) = (ago(minutes), ago(minutes));
            jobs.create(&j).await.expect("create");
        }
        let handed = JobUpdate {
            execution_arn: Some("arn:aws:states:eu-central-1:1:execution:m:handed".into()),
            ..JobUpdate::default()
        };
        jobs.transition("handed", JobStatus::Pending, handed, ago(30))
            .await
            .expect("handed over");
        jobs.claim("lost", "dead-attempt", ago(30))
            .await
            .expect("claim");
        jobs.claim("held", "live-attempt", ago(1))
            .await
            .expect("claim");
        for (id, minutes) in [("unclaimed", 90), ("marked", 20)] {
            jobs.transition(id, JobStatus::Running, JobUpdate::default(), ago(minutes))
                .await
                .expect("marked running");
        }
    }

    async fn status(jobs: &JobRepository, id: &str) -> (JobStatus, Option<String>) {
        let j = jobs.get(id).await.expect("get").expect("exists");
        (j.status, j.error.map(|e| e.error))
    }

    #[tokio::test]
    async fn stuck_jobs_are_started_again_or_failed_with_the_reason() {
        let captured = Captured::default();
        let sweeper = sweeper(&captured);
        stuck_jobs(&sweeper.launcher.jobs).await;
        let swept = sweeper
            .handle(Sweep::default(), at(NOW))
            .await
            .expect("sweeps");
        assert_eq!(swept.scanned, 7);
        let mut done: Vec<(&str, &str, &str)> = swept
            .jobs
            .iter()
            .map(|j| (j.job_id.as_str(), j.action, j.reason))
            .collect();
        done.sort_unstable();
        assert_eq!(
            done,
            [
                ("handed", "failed", "Stuck"),
                ("lost", "failed", "RunnerLost"),
                ("unclaimed", "failed", "NeverClaimed"),
                ("unsubmitted", "started", "NotStarted"),
            ]
        );
        let jobs = &sweeper.launcher.jobs;
        let started = jobs.get("unsubmitted").await.expect("get").expect("job");
        assert_eq!(started.status, JobStatus::Pending);
        assert!(
            started
                .execution_arn
                .is_some_and(|e| e.ends_with(":unsubmitted")),
            "its workflow runs, named by the job id"
        );
        assert_eq!(
            status(jobs, "lost").await,
            (JobStatus::Failed, Some("RunnerLost".into()))
        );
        for untouched in ["fresh", "marked", "held"] {
            assert_eq!(status(jobs, untouched).await.1, None, "{untouched}");
        }
        assert_eq!(
            swept.started,
            ["fresh"],
            "a younger waiting job is started too, as the cap has room"
        );
        assert_eq!(
            described(&captured.take()),
            ["TradAI/StuckJobsSwept{Environment=dev} 4 Count"]
        );

        let again = sweeper
            .handle(Sweep::default(), at(NOW))
            .await
            .expect("sweeps");
        assert!(
            again.jobs.is_empty(),
            "a job started again is no longer stuck, a failed one is done: {again:?}"
        );
    }

    #[tokio::test]
    async fn a_full_cap_defers_the_start() {
        let captured = Captured::default();
        let mut sweeper = sweeper(&captured);
        // Four RUNNING jobs and one handed over are more than a cap of three.
        sweeper.launcher.max_concurrent = 3;
        stuck_jobs(&sweeper.launcher.jobs).await;
        let swept = sweeper
            .handle(Sweep::default(), at(NOW))
            .await
            .expect("sweeps");
        let unsubmitted = swept.jobs.iter().find(|j| j.job_id == "unsubmitted");
        assert_eq!(unsubmitted.map(|j| j.action), Some("deferred"));
        // Having failed three of them (two left in flight), the same sweep has room for one, and starts the
        // oldest waiting job, the one it deferred; the younger waits.
        assert_eq!(swept.started, ["unsubmitted"]);
    }

    #[tokio::test]
    async fn a_dry_run_reports_and_changes_nothing() {
        let captured = Captured::default();
        let sweeper = sweeper(&captured);
        stuck_jobs(&sweeper.launcher.jobs).await;
        let swept = sweeper
            .handle(
                Sweep {
                    dry_run: Some(true),
                },
                at(NOW),
            )
            .await
            .expect("sweeps");
        let actions: Vec<&str> = swept.jobs.iter().map(|j| j.action).collect();
        assert_eq!(actions.len(), 4);
        assert!(actions
            .iter()
            .all(|a| *a == "would_start" || *a == "would_fail"));
        assert_eq!(
            status(&sweeper.launcher.jobs, "lost").await.0,
            JobStatus::Running
        );
        assert!(sweeper
            .launcher
            .jobs
            .get("unsubmitted")
            .await
            .expect("get")
            .expect("job")
            .execution_arn
            .is_none());
    }

    #[tokio::test]
    async fn a_runner_that_renewed_after_the_sweep_read_keeps_its_job() {
        let captured = Captured::default();
        let sweeper = sweeper(&captured);
        stuck_jobs(&sweeper.launcher.jobs).await;
        let lost = sweeper
            .launcher
            .jobs
            .get("lost")
            .await
            .expect("get")
            .expect("job");
        sweeper
            .launcher
            .jobs
            .renew("lost", "dead-attempt", at(NOW))
            .await
            .expect("renewed: the runner was slow, not dead");
        let guard = match sweeper.verdict(&lost, at(NOW)) {
            Some(Verdict::Fail { guard, .. }) => guard,
            _ => panic!("the read copy looks lost"),
        };
        let error = JobError {
            error: "RunnerLost".into(),
            cause: "test".into(),
        };
        assert!(
            !sweeper
                .fail(&lost, error, guard, at(NOW))
                .await
                .expect("guarded write"),
            "the renewed lease breaks the guard"
        );
        assert_eq!(
            status(&sweeper.launcher.jobs, "lost").await.0,
            JobStatus::Running
        );
    }
}
