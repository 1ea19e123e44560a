//! orphan-scanner (§10.2 #13, §10.3): find ECS tasks that should not be running — past
//! `MAX_TASK_RUNTIME_HOURS`, or whose state record says they are done (the backtest job of their `job_id` tag
//! is finished or missing, the retraining of their `model_name` tag is finished) — and stop them unless
//! `dry_run` (the default).

use serde_json::{json, Value};
use tradai_domain::entities::{RetrainingRecord, Timestamp};
use tradai_domain::ports::{
    JobRepository, RecordKey, RecordStore, TaskFilter, TaskInfo, TaskRunner,
};
use tradai_domain::Lifecycle;

use crate::HandlerError;

/// What it reads and stops.
pub struct Dependencies<'a> {
    pub tasks: &'a dyn TaskRunner,
    pub jobs: &'a JobRepository,
    pub retraining: &'a dyn RecordStore<RetrainingRecord>,
}

impl std::fmt::Debug for Dependencies<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dependencies")
    }
}

/// Why `task` is an orphan, if it is one.
async fn why(
    deps: &Dependencies<'_>,
    task: &TaskInfo,
    now: Timestamp,
    max_hours: i64,
) -> Result<Option<String>, HandlerError> {
    if let Some(created) = task.created_at {
        let hours = (now.epoch_seconds() - created.epoch_seconds()) / 3600;
        if hours >= max_hours {
            return Ok(Some(format!(
                "running for {hours} h, past the {max_hours} h limit"
            )));
        }
    }
    if let Some(job_id) = task.tags.get("job_id") {
        return Ok(match deps.jobs.get(job_id).await? {
            None => Some(format!("no backtest job '{job_id}'")),
            Some(job) if job.status.is_terminal() => Some(format!("its job is {}", job.status)),
            Some(_) => None,
        });
    }
    if let Some(model) = task.tags.get("model_name") {
        if let Some(record) = deps.retraining.get(&RecordKey::partition(model)).await? {
            if record.status.is_terminal() {
                return Ok(Some(format!(
                    "the retraining of {model} is {}",
                    record.status
                )));
            }
        }
    }
    Ok(None)
}

/// Scan at `now`; the `data` of the answer.
pub async fn handle(
    deps: &Dependencies<'_>,
    input: &Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let dry_run = input["dry_run"].as_bool().unwrap_or(true);
    let max_hours = input["max_runtime_hours"].as_i64().unwrap_or(6);
    if max_hours < 1 {
        return Err(HandlerError::invalid(
            "max_runtime_hours",
            format!("{max_hours} is not 1 or more"),
        ));
    }
    let running = deps.tasks.list(&TaskFilter::default()).await?;
    let mut orphans = Vec::new();
    for task in &running {
        if let Some(reason) = why(deps, task, now, max_hours).await? {
            if !dry_run {
                deps.tasks
                    .stop(&task.task_arn, &format!("orphan: {reason}"))
                    .await?;
            }
            orphans.push(json!({"task_arn": task.task_arn, "reason": reason}));
        }
    }
    let stopped = if dry_run { 0 } else { orphans.len() };
    Ok(
        json!({"dry_run": dry_run, "scanned": running.len(), "orphans": orphans, "stopped": stopped}),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use tradai_domain::entities::BacktestJob;
    use tradai_domain::ports::{JobUpdate, TableLayout, TaskRequest};
    use tradai_domain::JobStatus;
    use tradai_memory::{MemoryRecordStore, MemoryTaskRunner};

    use super::*;

    #[tokio::test]
    async fn finds_overrunning_and_finished_tasks_and_stops_them_only_when_asked() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = |t: &str| TableLayout::from_spec(t, &config.settings().tables[t]);
        let jobs = JobRepository::new(Arc::new(MemoryRecordStore::new(layout("workflow-state"))));
        let retraining = MemoryRecordStore::<RetrainingRecord>::new(layout("retraining-state"));
        let tasks = MemoryTaskRunner::new("tradai-dev");
        let now = Timestamp::now();
        let job = |id: &str| {
            BacktestJob::with_ids(
                id.into(),
                "t".into(),
                serde_json::from_value(
                    json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-02-01"}),
                )
                .expect("config"),
                now,
            )
        };
        for id in ["live", "done"] {
            jobs.create(&job(id)).await.expect("create");
        }
        jobs.transition("done", JobStatus::Failed, JobUpdate::default(), now)
            .await
            .expect("fail");
        let run = |key: &str, value: &str| TaskRequest {
            task_definition: "tradai-strategy-generic-dev".into(),
            container: "strategy".into(),
            environment: BTreeMap::new(),
            tags: BTreeMap::from([(key.to_owned(), value.to_owned())]),
            started_by: "tradai-backend".into(),
        };
        let healthy = tasks.run(run("job_id", "live")).await.expect("run");
        let finished = tasks.run(run("job_id", "done")).await.expect("run");
        let unknown = tasks.run(run("job_id", "ghost")).await.expect("run");
        let old = tasks.run(run("strategy_id", "sma")).await.expect("run");
        tasks.backdate(&old.task_arn, now.plus_seconds(-7 * 3600));
        let deps = Dependencies {
            tasks: &tasks,
            jobs: &jobs,
            retraining: &retraining,
        };

        let preview = handle(&deps, &json!({}), now).await.expect("dry run");
        let found: Vec<&str> = preview["orphans"]
            .as_array()
            .expect("orphans")
            .iter()
            .map(|o| o["task_arn"].as_str().expect("arn"))
            .collect();
        assert_eq!(
            found,
            [
                finished.task_arn.as_str(),
                unknown.task_arn.as_str(),
                old.task_arn.as_str()
            ]
        );
        assert_eq!(
            (
                preview["dry_run"].clone(),
                preview["stopped"].clone(),
                preview["scanned"].clone()
            ),
            (json!(true), json!(0), json!(4))
        );
        assert_eq!(
            tasks
                .list(&TaskFilter::default())
                .await
                .expect("list")
                .len(),
            4,
            "a dry run stops nothing"
        );

        let real = handle(&deps, &json!({"dry_run": false}), now)
            .await
            .expect("scan");
        assert_eq!(real["stopped"], 3);
        let left: Vec<String> = tasks
            .list(&TaskFilter::default())
            .await
            .expect("list")
            .into_iter()
            .map(|t| t.task_arn)
            .collect();
        assert_eq!(left, [healthy.task_arn]);
        assert!(handle(&deps, &json!({"max_runtime_hours": 0}), now)
            .await
            .is_err());
    }
}
