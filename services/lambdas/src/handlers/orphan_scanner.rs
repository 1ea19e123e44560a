//! orphan-scanner (§10.2 #13, §10.3): find ECS tasks that should not be running — past
//! `MAX_TASK_RUNTIME_HOURS`, or whose state record says they are done (the backtest job of their `job_id` tag
//! is finished or missing, the retraining of their `model_name` tag is finished) — and stop them unless
//! `dry_run` (the default). Tasks an ECS service started (`startedBy` `ecs-svc/…`: the always-on services) are
//! never orphans, and trading sessions (tagged `trading_mode`, supervised by their heartbeats) have no runtime
//! limit. `DRY_RUN` and `MAX_TASK_RUNTIME_HOURS` set the defaults; the event may override them. Each scan emits
//! `OrphanTasksFound`, dry run or not.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::metrics::{self, Emitter, Metric, Point};
use tradai_config::Function;
use tradai_domain::entities::{RetrainingRecord, Timestamp};
use tradai_domain::ports::{
    JobRepository, RecordKey, RecordStore, TaskFilter, TaskInfo, TaskRunner,
};
use tradai_domain::Lifecycle;

use crate::HandlerError;

/// The orphan-scanner handler: the cluster's tasks, and the jobs and retraining-state tables that say whether
/// a task is still wanted, where its metrics go, and its settings.
#[derive(Clone)]
pub struct OrphanScanner {
    pub tasks: Arc<dyn TaskRunner>,
    pub jobs: JobRepository,
    pub retraining: Arc<dyn RecordStore<RetrainingRecord>>,
    pub metrics: Option<Emitter>,
    pub settings: Settings,
}

/// The function's defaults (`DRY_RUN`, `MAX_TASK_RUNTIME_HOURS`), which an event's fields override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub dry_run: bool,
    pub max_runtime_hours: i64,
}

impl Default for Settings {
    /// Report only; 6 hours.
    fn default() -> Self {
        Settings {
            dry_run: true,
            max_runtime_hours: 6,
        }
    }
}

/// What an ECS service's tasks carry as `startedBy`.
const SERVICE_STARTED_BY: &str = "ecs-svc/";

crate::handler_debug!(OrphanScanner);

/// The scheduled event: whether to only report (`dry_run`) and the runtime limit in hours (`max_runtime_hours`,
/// at least 1); each defaults to the function's settings. An EventBridge event's other fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Scan {
    /// `DRY_RUN` when absent or null.
    #[serde(default)]
    pub dry_run: Option<bool>,
    /// `MAX_TASK_RUNTIME_HOURS` when absent or null.
    #[serde(default)]
    pub max_runtime_hours: Option<i64>,
}

/// The answer: whether it was a dry run, the tasks scanned, the orphans found and how many were stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scanned {
    pub dry_run: bool,
    pub scanned: usize,
    pub orphans: Vec<Orphan>,
    pub stopped: usize,
}

/// A task that should not be running, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Orphan {
    pub task_arn: String,
    pub reason: String,
}

impl OrphanScanner {
    /// The scanner over the platform's tasks, jobs and retraining-state table, emitting through `metrics`.
    pub fn new(
        ports: &tradai_platform::Ports,
        metrics: Option<Emitter>,
        settings: Settings,
    ) -> Self {
        OrphanScanner {
            tasks: ports.tasks.clone(),
            jobs: ports.jobs.clone(),
            retraining: ports.retraining.clone(),
            metrics,
            settings,
        }
    }

    /// Why `task` is an orphan, if it is one.
    async fn why(
        &self,
        task: &TaskInfo,
        now: Timestamp,
        max_hours: i64,
    ) -> Result<Option<String>, HandlerError> {
        if task
            .started_by
            .as_deref()
            .is_some_and(|s| s.starts_with(SERVICE_STARTED_BY))
        {
            return Ok(None);
        }
        let session = task.tags.contains_key("trading_mode");
        if let (Some(created), false) = (task.created_at, session) {
            let hours = (now.epoch_seconds() - created.epoch_seconds()) / 3600;
            if hours >= max_hours {
                return Ok(Some(format!(
                    "running for {hours} h, past the {max_hours} h limit"
                )));
            }
        }
        if let Some(job_id) = task.tags.get("job_id") {
            return Ok(match self.jobs.get(job_id).await? {
                None => Some(format!("no backtest job '{job_id}'")),
                Some(job) if job.status.is_terminal() => Some(format!("its job is {}", job.status)),
                Some(_) => None,
            });
        }
        if let Some(model) = task.tags.get("model_name") {
            if let Some(record) = self.retraining.get(&RecordKey::partition(model)).await? {
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
}

impl crate::registry::Handler for OrphanScanner {
    const FUNCTION: Function = Function::OrphanScanner;
    const EMITS: &'static [Metric] = &[metrics::ORPHAN_TASKS_FOUND];
    type Input = Scan;
    type Output = Scanned;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(ports, extras.metrics.clone(), settings))
    }

    /// Scan at `now`.
    async fn handle(&self, scan: Scan, now: Timestamp) -> Result<Scanned, HandlerError> {
        let dry_run = scan.dry_run.unwrap_or(self.settings.dry_run);
        let max_hours = scan
            .max_runtime_hours
            .unwrap_or(self.settings.max_runtime_hours);
        if max_hours < 1 {
            return Err(HandlerError::invalid(
                "max_runtime_hours",
                format!("{max_hours} is not 1 or more"),
            ));
        }
        let running = self.tasks.list(&TaskFilter::default()).await?;
        let mut orphans = Vec::new();
        for task in &running {
            if let Some(reason) = self.why(task, now, max_hours).await? {
                if !dry_run {
                    self.tasks
                        .stop(&task.task_arn, &format!("orphan: {reason}"))
                        .await?;
                }
                orphans.push(Orphan {
                    task_arn: task.task_arn.clone(),
                    reason,
                });
            }
        }
        crate::metrics::emit(
            self.metrics.as_ref(),
            now,
            &[Point::new().value(metrics::ORPHAN_TASKS_FOUND, orphans.len() as f64)],
        );
        Ok(Scanned {
            dry_run,
            scanned: running.len(),
            stopped: if dry_run { 0 } else { orphans.len() },
            orphans,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{json, Value};
    use tradai_domain::entities::BacktestJob;
    use tradai_domain::ports::{JobUpdate, TableLayout, TaskRequest};
    use tradai_domain::JobStatus;
    use tradai_memory::{MemoryRecordStore, MemoryTaskRunner};

    use super::*;
    use crate::metrics::testing::{described, Captured};
    use crate::registry::Serve;

    #[tokio::test]
    async fn finds_overrunning_and_finished_tasks_and_stops_them_only_when_asked() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = |t: &str| TableLayout::from_spec(t, &config.settings().tables[t]);
        let jobs = JobRepository::new(Arc::new(MemoryRecordStore::new(layout("workflow-state"))));
        let retraining = Arc::new(MemoryRecordStore::<RetrainingRecord>::new(layout(
            "retraining-state",
        )));
        let tasks = Arc::new(MemoryTaskRunner::new("tradai-dev"));
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
        // An always-on service's task, and a live session: long-running by design.
        let service = tasks
            .run(TaskRequest {
                started_by: "ecs-svc/1234567890".into(),
                ..run("service", "backend")
            })
            .await
            .expect("run");
        tasks.backdate(&service.task_arn, now.plus_seconds(-700 * 3600));
        let session = tasks.run(run("trading_mode", "live")).await.expect("run");
        tasks.backdate(&session.task_arn, now.plus_seconds(-48 * 3600));
        let captured = Captured::default();
        let scanner = OrphanScanner {
            tasks: tasks.clone(),
            jobs: jobs.clone(),
            retraining,
            metrics: captured.emitter(),
            settings: Settings::default(),
        };
        let scan = |event: Value| {
            let scanner = &scanner;
            async move {
                let answer = scanner.serve(event, now, "dev").await?;
                Ok::<Value, HandlerError>(answer["body"]["data"].clone())
            }
        };

        let preview = scan(json!({"source": "aws.events", "detail-type": "Scheduled Event"}))
            .await
            .expect("dry run");
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
            (json!(true), json!(0), json!(6))
        );
        assert_eq!(
            described(&captured.take()),
            ["TradAI/OrphanTasksFound{Environment=dev} 3 Count"],
            "a dry run counts what it finds"
        );
        assert_eq!(
            tasks
                .list(&TaskFilter::default())
                .await
                .expect("list")
                .len(),
            6,
            "a dry run stops nothing"
        );

        let first = preview["orphans"][0].as_object().expect("orphan");
        assert_eq!(
            first.keys().map(String::as_str).collect::<Vec<_>>(),
            ["task_arn", "reason"]
        );
        assert!(
            first["reason"]
                .as_str()
                .expect("reason")
                .starts_with("its job is "),
            "{preview}"
        );
        let real = scan(json!({"dry_run": false})).await.expect("scan");
        assert_eq!(real["stopped"], 3);
        let left: Vec<String> = tasks
            .list(&TaskFilter::default())
            .await
            .expect("list")
            .into_iter()
            .map(|t| t.task_arn)
            .collect();
        assert_eq!(left, [healthy.task_arn, service.task_arn, session.task_arn]);
        assert!(matches!(
            scan(json!({"max_runtime_hours": 0})).await,
            Err(HandlerError::Validation { field, .. }) if field == "max_runtime_hours"
        ));
    }

    /// `DRY_RUN=false` and `MAX_TASK_RUNTIME_HOURS=1` (the function's settings) drive a scheduled scan, whose
    /// event carries neither.
    #[tokio::test]
    async fn the_function_s_settings_are_the_defaults_of_a_scheduled_scan() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = |t: &str| TableLayout::from_spec(t, &config.settings().tables[t]);
        let tasks = Arc::new(MemoryTaskRunner::new("tradai-dev"));
        let now = Timestamp::now();
        let task = tasks
            .run(TaskRequest {
                task_definition: "tradai-strategy-generic-dev".into(),
                container: "strategy".into(),
                environment: BTreeMap::new(),
                tags: BTreeMap::new(),
                started_by: "tradai-backend".into(),
            })
            .await
            .expect("run");
        tasks.backdate(&task.task_arn, now.plus_seconds(-2 * 3600));
        let scanner = OrphanScanner {
            tasks: tasks.clone(),
            jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(layout("workflow-state")))),
            retraining: Arc::new(MemoryRecordStore::new(layout("retraining-state"))),
            metrics: None,
            settings: Settings {
                dry_run: false,
                max_runtime_hours: 1,
            },
        };
        let answer = scanner
            .serve(json!({"source": "aws.events"}), now, "dev")
            .await
            .expect("scan");
        let data = &answer["body"]["data"];
        assert_eq!(
            (&data["dry_run"], &data["stopped"]),
            (&json!(false), &json!(1))
        );
        assert!(data["orphans"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("past the 1 h limit"));
    }
}
