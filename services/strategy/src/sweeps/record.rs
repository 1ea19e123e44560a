//! A sweep job as the strategy service keeps it: `hyperopt-jobs/<job_id>.json` in the results bucket (decision
//! H7), beside the sweep's own objects under `hyperopt/<job_id>/`. Job ids begin with their UTC start time, so
//! the listing's key order is their age.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::ExecutionStatus;
use tradai_hyperopt::{Constraints, Objective, SamplerKind};
use utoipa::ToSchema;

/// Where the job records are.
pub const PREFIX: &str = "hyperopt-jobs/";

/// The key of job `job_id`'s record.
pub fn key(job_id: &str) -> String {
    format!("{PREFIX}{job_id}.json")
}

/// A new job id: `hyperopt-<yyyymmdd>-<hhmmss>-<8 hex>` (a Step Functions execution name, and its age).
pub fn new_job_id(now: Timestamp) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "hyperopt-{}-{}",
        now.datetime().format("%Y%m%d-%H%M%S"),
        &random[..8]
    )
}

/// Whether `text` can be a job id (anything else is no job: it never reaches a key).
pub fn is_job_id(text: &str) -> bool {
    text.len() <= 64
        && text.starts_with("hyperopt-")
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Where a sweep job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SweepStatus {
    /// Its workflow runs (locally, it may wait for the sweep before it).
    Running,
    /// Every trial ran; the summary is written.
    Completed,
    /// The workflow failed or timed out, or could not start.
    Failed,
    /// Stopped by a user; the finished trials are kept.
    Cancelled,
}

/// A sweep job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SweepRecord {
    pub job_id: String,
    pub trace_id: String,
    /// The stored strategy swept.
    pub strategy: String,
    /// RUNNING, COMPLETED, FAILED or CANCELLED.
    pub status: SweepStatus,
    #[schema(value_type = String, example = "sharpe")]
    pub objective: Objective,
    #[schema(value_type = String, example = "tpe")]
    pub sampler: SamplerKind,
    /// Trials asked for.
    pub trials: u32,
    pub seed: u64,
    pub folds: u32,
    #[schema(value_type = Object)]
    pub constraints: Constraints,
    #[schema(value_type = String, example = "2024-01-01")]
    pub start_date: NaiveDate,
    #[schema(value_type = String, example = "2024-04-01")]
    pub end_date: NaiveDate,
    /// Who started it (the token's subject).
    pub requested_by: String,
    #[schema(value_type = String)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub completed_at: Option<Timestamp>,
    /// The workflow execution (a Step Functions ARN, or `local:<job_id>`).
    pub execution_arn: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The DRAFT config version holding its best trial's parameters (once it completed with one).
    #[serde(default)]
    pub config_version_id: Option<String>,
}

impl SweepRecord {
    /// Whether it has ended.
    pub fn finished(&self) -> bool {
        self.status != SweepStatus::Running
    }

    /// The record once its execution is `status`, `summarised` when the finaliser wrote the summary: ended
    /// when the execution has (`None`: no change). A written summary is what completes a sweep, so an
    /// execution that an emulator can only end as ABORTED still completes it (decision H7).
    pub fn on_execution(
        &self,
        status: ExecutionStatus,
        summarised: bool,
        now: Timestamp,
    ) -> Option<SweepRecord> {
        let (next, error) = match status {
            ExecutionStatus::Running => return None,
            _ if summarised => (SweepStatus::Completed, None),
            ExecutionStatus::Aborted => (SweepStatus::Cancelled, None),
            ExecutionStatus::TimedOut => (
                SweepStatus::Failed,
                Some("the sweep's workflow timed out".to_owned()),
            ),
            ExecutionStatus::Failed | ExecutionStatus::Succeeded => (
                SweepStatus::Failed,
                Some(format!(
                    "the sweep's workflow ended without its summary; trace {} finds the cause in its tasks' logs",
                    self.trace_id
                )),
            ),
        };
        Some(SweepRecord {
            status: next,
            completed_at: Some(now),
            error,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_id_sorts_by_its_start_and_is_checked() {
        let early = new_job_id(Timestamp::from_millis(1_700_000_000_000));
        let late = new_job_id(Timestamp::from_millis(1_700_000_001_000));
        assert!(early < late, "{early} {late}");
        assert!(early.starts_with("hyperopt-20231114-221320-"), "{early}");
        assert!(is_job_id(&early));
        for bad in ["../x", "hyperopt-A", "backtest-1", &"hyperopt-1".repeat(8)] {
            assert!(!is_job_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_summary_completes_a_sweep_whatever_ended_its_execution() {
        use ExecutionStatus::*;
        let now = Timestamp::from_millis(1_700_000_000_000);
        let record = SweepRecord {
            job_id: "hyperopt-1".into(),
            trace_id: "t".into(),
            strategy: "s".into(),
            status: SweepStatus::Running,
            objective: Objective::Sharpe,
            sampler: SamplerKind::Tpe,
            trials: 1,
            seed: 0,
            folds: 1,
            constraints: Constraints::default(),
            start_date: NaiveDate::MIN,
            end_date: NaiveDate::MAX,
            requested_by: "u".into(),
            created_at: now,
            completed_at: None,
            execution_arn: None,
            error: None,
            config_version_id: None,
        };
        let ended = |status, summarised| {
            record
                .on_execution(status, summarised, now)
                .map(|r| r.status)
        };
        assert_eq!(ended(Running, true), None);
        for status in [Succeeded, Aborted, Failed] {
            assert_eq!(ended(status, true), Some(SweepStatus::Completed));
        }
        assert_eq!(ended(Aborted, false), Some(SweepStatus::Cancelled));
        assert_eq!(ended(TimedOut, false), Some(SweepStatus::Failed));
        assert_eq!(ended(Succeeded, false), Some(SweepStatus::Failed));
    }
}
