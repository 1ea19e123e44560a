//! update-status (§10.2 #3, §10.3): a guarded job status transition. A stale or invalid transition is not an
//! error: it answers `updated: false` with `reason: stale_or_invalid_transition`, so Step Functions does not
//! retry it. A job already in the terminal status asked for answers `reason: already_in_status` and keeps its
//! first record: the runner's typed error is not overwritten by the workflow's report of the same failure. Error text is cut to 2,000 characters.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::{JobError, Timestamp};
use tradai_domain::ports::{JobRepository, JobUpdate, Transition};
use tradai_domain::{DomainError, JobStatus};

use crate::input::{blank, Text};
use crate::registry::Handler;
use crate::HandlerError;

/// Longest error cause stored.
pub const MAX_ERROR: usize = 2000;

fn cut(text: &str) -> String {
    text.chars().take(MAX_ERROR).collect()
}

/// The transition asked for.
#[derive(Debug, Clone, Deserialize)]
pub struct Input {
    pub job_id: Text,
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED` or `CANCELLED` (either case).
    pub status: Text,
    /// A Catch's error (`{"Error", "Cause"}`), stored with a FAILED status.
    #[serde(default)]
    pub error: Option<CaughtError>,
    #[serde(default, deserialize_with = "blank")]
    pub started_at: Option<String>,
    #[serde(default, deserialize_with = "blank")]
    pub completed_at: Option<String>,
    #[serde(default, deserialize_with = "blank")]
    pub execution_arn: Option<String>,
    #[serde(default, deserialize_with = "blank")]
    pub ecs_task_arn: Option<String>,
}

/// The error a Step Functions Catch puts at its ResultPath: any JSON in either field.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaughtError {
    #[serde(rename = "Error", default)]
    pub error: Value,
    #[serde(rename = "Cause", default)]
    pub cause: Value,
}

impl From<&CaughtError> for JobError {
    fn from(e: &CaughtError) -> Self {
        JobError {
            error: cut(e.error.as_str().unwrap_or("Error")),
            cause: cut(&match &e.cause {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            }),
        }
    }
}

/// Whether the transition was written, and why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub job_id: String,
    pub status: &'static str,
    pub updated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<&'static str>,
}

fn time(value: Option<&str>, field: &str) -> Result<Option<Timestamp>, HandlerError> {
    value
        .map(|t| {
            t.parse::<Timestamp>()
                .map_err(|_| HandlerError::invalid(field, format!("'{t}' is not an ISO 8601 time")))
        })
        .transpose()
}

/// update-status over the job repository.
#[derive(Debug, Clone)]
pub struct UpdateStatus {
    pub jobs: JobRepository,
}

impl Handler for UpdateStatus {
    const FUNCTION: Function = Function::UpdateStatus;
    type Input = Input;
    type Output = Output;
    type Settings = ();

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        _settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        // Over the platform's jobs.
        Ok(UpdateStatus {
            jobs: ports.jobs.clone(),
        })
    }

    async fn handle(&self, input: Input, now: Timestamp) -> Result<Output, HandlerError> {
        let job_id = input.job_id.as_str();
        let status: JobStatus = input.status.parse().map_err(|_| {
            HandlerError::invalid(
                "status",
                format!(
                    "'{}' is not one of PENDING, RUNNING, COMPLETED, FAILED, CANCELLED",
                    input.status
                ),
            )
        })?;
        let update = JobUpdate {
            started_at: time(input.started_at.as_deref(), "started_at")?
                .or((status == JobStatus::Running).then_some(now)),
            completed_at: time(input.completed_at.as_deref(), "completed_at")?.or(matches!(
                status,
                JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
            )
            .then_some(now)),
            error: input.error.as_ref().map(JobError::from),
            execution_arn: input.execution_arn,
            ecs_task_arn: input.ecs_task_arn,
            ..JobUpdate::default()
        };
        let answer = |updated, reason, current_status| Output {
            job_id: job_id.to_owned(),
            status: status.as_str(),
            updated,
            reason,
            current_status,
        };
        match self.jobs.transition(job_id, status, update, now).await {
            Ok(Transition::Applied(_)) => Ok(answer(true, None, None)),
            Ok(Transition::Repeated(_)) => {
                tracing::info!(job_id, status = %status, "the job already ended so; its first record stands");
                Ok(answer(
                    false,
                    Some("already_in_status"),
                    Some(status.as_str()),
                ))
            }
            Ok(Transition::Stale { current }) => {
                tracing::info!(job_id, from = %current, to = %status, "stale or invalid transition ignored");
                Ok(answer(
                    false,
                    Some("stale_or_invalid_transition"),
                    Some(current.as_str()),
                ))
            }
            Err(DomainError::NotFound { .. }) => Err(HandlerError::invalid(
                "job_id",
                format!("no backtest job '{job_id}'"),
            )),
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use tradai_domain::entities::{BacktestJob, Timestamp};
    use tradai_domain::ports::{JobRepository, TableLayout};
    use tradai_memory::MemoryRecordStore;

    use super::*;

    async fn handle(jobs: &JobRepository, input: &Value) -> Result<Value, HandlerError> {
        let handler = UpdateStatus { jobs: jobs.clone() };
        crate::registry::data(&handler, input.clone()).await
    }

    async fn jobs_with_one() -> (JobRepository, String) {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = TableLayout::from_spec(
            "workflow-state",
            &config.settings().tables["workflow-state"],
        );
        let jobs = JobRepository::new(Arc::new(MemoryRecordStore::new(layout)));
        let job = BacktestJob::new(
            serde_json::from_value(
                json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-02-01"}),
            )
            .expect("config"),
            Timestamp::now(),
        );
        jobs.create(&job).await.expect("create");
        (jobs, job.job_id)
    }

    #[tokio::test]
    async fn transitions_are_guarded_and_stale_ones_answer_not_updated() {
        let (jobs, id) = jobs_with_one().await;
        let running = handle(
            &jobs,
            &json!({"job_id": id, "status": "RUNNING", "execution_arn": "arn:x"}),
        )
        .await
        .expect("running");
        assert_eq!(
            running,
            json!({"job_id": id, "status": "running", "updated": true})
        );
        let job = jobs.get(&id).await.expect("get").expect("job");
        assert!(job.started_at.is_some() && job.execution_arn.as_deref() == Some("arn:x"));
        let long = "x".repeat(5000);
        let failed = handle(&jobs, &json!({"job_id": id, "status": "FAILED", "error": {"Error": "States.TaskFailed", "Cause": long}})).await.expect("failed");
        assert_eq!(failed["updated"], true);
        let job = jobs.get(&id).await.expect("get").expect("job");
        assert_eq!(
            job.error.expect("error").cause.len(),
            MAX_ERROR,
            "cut to 2,000 characters"
        );
        let stale = handle(&jobs, &json!({"job_id": id, "status": "RUNNING"}))
            .await
            .expect("stale is not an error");
        assert_eq!(
            (
                stale["updated"].clone(),
                stale["reason"].clone(),
                stale["current_status"].clone()
            ),
            (
                json!(false),
                json!("stale_or_invalid_transition"),
                json!("failed")
            )
        );
    }

    /// The runner failed the job with its own typed error; the workflow's later FAILED report keeps it.
    #[tokio::test]
    async fn a_second_failure_report_keeps_the_first_error() {
        let (jobs, id) = jobs_with_one().await;
        let first = json!({"job_id": id, "status": "FAILED", "error": {"Error": "NoMarketData", "Cause": "no candles"}});
        assert_eq!(handle(&jobs, &first).await.expect("first")["updated"], true);
        let second = json!({"job_id": id, "status": "FAILED", "error": {"Error": "States.TaskFailed", "Cause": "exit 1"}});
        let answer = handle(&jobs, &second)
            .await
            .expect("a repeat is not an error");
        assert_eq!(
            (answer["updated"].clone(), answer["reason"].clone()),
            (json!(false), json!("already_in_status"))
        );
        let error = jobs.get(&id).await.expect("get").expect("job").error;
        assert_eq!(
            error.map(|e| (e.error, e.cause)),
            Some(("NoMarketData".into(), "no candles".into()))
        );
    }

    #[tokio::test]
    async fn bad_input_names_the_field() {
        let (jobs, id) = jobs_with_one().await;
        for (input, field) in [
            (json!({"status": "RUNNING"}), "job_id"),
            (json!({"job_id": id, "status": "DONE"}), "status"),
            (json!({"job_id": "nope", "status": "RUNNING"}), "job_id"),
            (
                json!({"job_id": id, "status": "RUNNING", "started_at": "yesterday"}),
                "started_at",
            ),
        ] {
            match handle(&jobs, &input).await {
                Err(HandlerError::Validation { field: f, .. }) => assert_eq!(f, field, "{input}"),
                other => panic!("{input}: {other:?}"),
            }
        }
    }
}
