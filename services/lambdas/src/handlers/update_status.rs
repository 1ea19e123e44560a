//! update-status (§10.2 #3, §10.3): a guarded job status transition. A stale or invalid transition is not an
//! error: it answers `updated: false` with `reason: stale_or_invalid_transition`, so Step Functions does not
//! retry it. A job already in the terminal status asked for answers `reason: already_in_status` and keeps its
//! first record: the runner's typed error is not overwritten by the workflow's report of the same failure. Error text is cut to 2,000 characters.

use serde_json::{json, Value};
use tradai_domain::entities::{JobError, Timestamp};
use tradai_domain::ports::{JobRepository, JobUpdate, Transition};
use tradai_domain::{DomainError, JobStatus};

use crate::{optional, text, HandlerError};

/// Longest error cause stored.
pub const MAX_ERROR: usize = 2000;

fn cut(text: &str) -> String {
    text.chars().take(MAX_ERROR).collect()
}

fn time(input: &Value, field: &str) -> Result<Option<Timestamp>, HandlerError> {
    optional(input, field)
        .map(|t| {
            t.parse::<Timestamp>()
                .map_err(|_| HandlerError::invalid(field, format!("'{t}' is not an ISO 8601 time")))
        })
        .transpose()
}

/// Apply the transition `input` asks for; the `data` of the answer.
pub async fn handle(jobs: &JobRepository, input: &Value) -> Result<Value, HandlerError> {
    let job_id = text(input, "job_id")?;
    let status_text = text(input, "status")?;
    let status: JobStatus = status_text.parse().map_err(|_| {
        HandlerError::invalid(
            "status",
            format!("'{status_text}' is not one of PENDING, RUNNING, COMPLETED, FAILED, CANCELLED"),
        )
    })?;
    let error = match &input["error"] {
        Value::Null => None,
        e => Some(JobError {
            error: cut(e["Error"].as_str().unwrap_or("Error")),
            cause: cut(&match &e["Cause"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            }),
        }),
    };
    let update = JobUpdate {
        started_at: time(input, "started_at")?
            .or((status == JobStatus::Running).then(Timestamp::now)),
        completed_at: time(input, "completed_at")?.or(matches!(
            status,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
        .then(Timestamp::now)),
        error,
        execution_arn: optional(input, "execution_arn").map(str::to_owned),
        ecs_task_arn: optional(input, "ecs_task_arn").map(str::to_owned),
        ..JobUpdate::default()
    };
    match jobs
        .transition(job_id, status, update, Timestamp::now())
        .await
    {
        Ok(Transition::Applied(_)) => {
            Ok(json!({"job_id": job_id, "status": status.as_str(), "updated": true}))
        }
        Ok(Transition::Repeated(_)) => {
            tracing::info!(job_id, status = %status, "the job already ended so; its first record stands");
            Ok(
                json!({"job_id": job_id, "status": status.as_str(), "updated": false,
                      "reason": "already_in_status", "current_status": status.as_str()}),
            )
        }
        Ok(Transition::Stale { current }) => {
            tracing::info!(job_id, from = %current, to = %status, "stale or invalid transition ignored");
            Ok(
                json!({"job_id": job_id, "status": status.as_str(), "updated": false,
                      "reason": "stale_or_invalid_transition", "current_status": current.as_str()}),
            )
        }
        Err(DomainError::NotFound { .. }) => Err(HandlerError::invalid(
            "job_id",
            format!("no backtest job '{job_id}'"),
        )),
        Err(other) => Err(other.into()),
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
