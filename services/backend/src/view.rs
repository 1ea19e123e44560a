//! What the API returns for jobs.

use serde::Serialize;
use tradai_domain::entities::BacktestJob;
use tradai_domain::JobStatus;
use utoipa::ToSchema;

/// A job status as the API shows it (`PENDING`, …; storage keeps the domain's lower case).
pub fn status_text(status: JobStatus) -> String {
    status.as_str().to_uppercase()
}

/// A backtest job as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct JobView {
    pub job_id: String,
    pub trace_id: String,
    /// PENDING, RUNNING, COMPLETED, FAILED or CANCELLED.
    pub status: String,
    pub strategy: String,
    pub timeframe: String,
    pub symbols: Vec<String>,
    pub start_date: String,
    pub end_date: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// `{Error, Cause}` of a failed job.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub error: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
}

impl From<&BacktestJob> for JobView {
    fn from(job: &BacktestJob) -> Self {
        JobView {
            job_id: job.job_id.clone(),
            trace_id: job.trace_id.clone(),
            status: status_text(job.status),
            strategy: job.config.strategy.clone(),
            timeframe: job.config.timeframe.as_str().to_owned(),
            symbols: job
                .config
                .symbols
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            start_date: job.config.start_date.to_string(),
            end_date: job.config.end_date.to_string(),
            created_at: job.created_at.to_string(),
            updated_at: job.updated_at.to_string(),
            started_at: job.started_at.map(|t| t.to_string()),
            completed_at: job.completed_at.map(|t| t.to_string()),
            error: job
                .error
                .as_ref()
                .and_then(|e| serde_json::to_value(e).ok()),
            execution_arn: job.execution_arn.clone(),
        }
    }
}

/// One page of jobs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
