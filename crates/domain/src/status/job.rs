//! Backtest job lifecycle (reference §12.1), stored in `tradai-workflow-state-<env>`.

use serde::{Deserialize, Serialize};

use super::{names, Lifecycle};

/// Status of a backtest job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Created, waiting for an executor.
    #[serde(alias = "PENDING")]
    Pending,
    /// An executor picked it up.
    #[serde(alias = "RUNNING")]
    Running,
    /// Finished with results.
    #[serde(alias = "COMPLETED")]
    Completed,
    /// Submission or runtime error, or timeout.
    #[serde(alias = "FAILED")]
    Failed,
    /// Cancelled by a user.
    #[serde(alias = "CANCELLED")]
    Cancelled,
}

names!(JobStatus { Pending => "pending", Running => "running", Completed => "completed", Failed => "failed", Cancelled => "cancelled" });

impl Lifecycle for JobStatus {
    const NAME: &'static str = "job";
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Running,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    fn next(self) -> &'static [Self] {
        match self {
            Self::Pending => &[Self::Running, Self::Failed, Self::Cancelled],
            Self::Running => &[Self::Completed, Self::Failed, Self::Cancelled],
            Self::Completed | Self::Failed | Self::Cancelled => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_reference_table() {
        super::super::laws::check::<JobStatus>();
        assert!(JobStatus::Pending.can_transition_to(JobStatus::Running));
        assert!(!JobStatus::Pending.can_transition_to(JobStatus::Completed));
        assert!(JobStatus::Completed.is_terminal());
        let err = JobStatus::Completed
            .transition(JobStatus::Running)
            .expect_err("terminal");
        assert_eq!(
            err.to_string(),
            "job cannot move from completed to running: completed is terminal"
        );
        let err = JobStatus::Pending
            .transition(JobStatus::Completed)
            .expect_err("skips running");
        assert_eq!(err.to_string(), "job cannot move from pending to completed: allowed from pending: running, failed, cancelled");
    }

    #[test]
    fn guards_match_the_update_status_lambda() {
        // RUNNING ← PENDING, RUNNING; COMPLETED ← RUNNING, COMPLETED; FAILED ← PENDING, RUNNING, FAILED;
        // CANCELLED ← PENDING, RUNNING, CANCELLED (reference §12.1).
        use JobStatus::*;
        assert_eq!(JobStatus::allowed_from(Running), vec![Pending, Running]);
        assert_eq!(JobStatus::allowed_from(Completed), vec![Running, Completed]);
        assert_eq!(
            JobStatus::allowed_from(Failed),
            vec![Pending, Running, Failed]
        );
        assert_eq!(
            JobStatus::allowed_from(Cancelled),
            vec![Pending, Running, Cancelled]
        );
        assert_eq!(JobStatus::allowed_from(Pending), vec![Pending]);
    }

    #[test]
    fn reads_upper_and_lower_case_and_writes_lower_case() {
        let status: JobStatus = serde_json::from_str("\"RUNNING\"").expect("upper case");
        assert_eq!(status, JobStatus::Running);
        assert_eq!(serde_json::to_string(&status).expect("json"), "\"running\"");
        let err = "done".parse::<JobStatus>().expect_err("unknown");
        assert_eq!(err.to_string(), "invalid status: 'done' is not a job state; allowed: pending, running, completed, failed, cancelled");
    }
}
