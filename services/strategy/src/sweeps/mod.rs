//! Hyperopt sweeps (issue 19): started as the config's hyperopt workflow (Step Functions in the cloud, the
//! same definition interpreted in-process locally), their jobs kept in the results bucket, their progress read
//! from the trials the workflow's tasks store there.

pub mod record;
pub mod request;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use tradai_config::Config;
use tradai_domain::entities::{apply, ConfigVersion, StrategyConfig, Timestamp};
use tradai_domain::ports::{ExecutionStatus, ObjectStore, RecordStore, WorkflowStarter};
use tradai_domain::DomainError;
use tradai_hyperopt::store::{self, StoreError};
use tradai_hyperopt::{Summary, SweepJob, Trial};
use tradai_service_kit::ApiError;
use utoipa::ToSchema;

pub use record::{SweepRecord, SweepStatus};
pub use request::{StartSweep, Sweep};

/// The workflow a sweep runs as.
pub const WORKFLOW: &str = "hyperopt";

/// What the sweep routes use.
#[derive(Clone)]
pub struct Sweeps {
    /// The results bucket: job records, and each sweep's objects.
    pub results: Arc<dyn ObjectStore>,
    /// The hyperopt workflow.
    pub workflow: Arc<dyn WorkflowStarter>,
    /// Config versions: a completed sweep's best parameters become a DRAFT.
    pub versions: Arc<dyn RecordStore<ConfigVersion>>,
    /// The strategy task family its runner tasks run as.
    pub task_definition: String,
    /// Trials per Map item (the config's `workflows.hyperopt.map.trials_per_item`).
    pub trials_per_item: u32,
}

impl std::fmt::Debug for Sweeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweeps")
            .field("task_definition", &self.task_definition)
            .finish_non_exhaustive()
    }
}

/// A sweep's progress: trials done of those asked for, by state, the best so far and the trial table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progress {
    pub trials_done: usize,
    pub trials_total: u32,
    /// Trials by state (complete, pruned, rejected, invalid, failed).
    pub states: BTreeMap<String, usize>,
    /// The best complete trial: its number, objective value and parameters.
    #[schema(value_type = Option<Object>)]
    pub best: Option<Trial>,
    /// Seconds from its start to now, or to its end.
    pub elapsed_seconds: f64,
    /// Every trial done, by number.
    #[schema(value_type = Vec<Object>)]
    pub trials: Vec<Trial>,
}

/// One sweep job with its progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepView {
    #[serde(flatten)]
    pub job: SweepRecord,
    pub progress: Progress,
}

/// A page of sweep jobs, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepPage {
    pub items: Vec<SweepRecord>,
}

fn bucket(error: StoreError) -> ApiError {
    match error {
        StoreError::Unavailable(reason) => ApiError::unavailable("results bucket", &reason),
        other => {
            tracing::error!(error = %other, "a stored sweep object is unreadable");
            ApiError::internal()
        }
    }
}

fn workflow_down(error: DomainError) -> ApiError {
    ApiError::unavailable("hyperopt workflow", &error.to_string())
}

impl Sweeps {
    /// The sweeps of `config` on `results`, run by `workflow`.
    pub fn new(
        config: &Config,
        results: Arc<dyn ObjectStore>,
        versions: Arc<dyn RecordStore<ConfigVersion>>,
        workflow: Arc<dyn WorkflowStarter>,
    ) -> Sweeps {
        let trials_per_item = config
            .settings()
            .workflows
            .get(WORKFLOW)
            .and_then(|w| w.map.as_ref())
            .map_or(25, |m| m.trials_per_item);
        Sweeps {
            results,
            workflow,
            versions,
            task_definition: tradai_platform::executor::strategy_task_definition(config),
            trials_per_item,
        }
    }

    async fn save(&self, record: &SweepRecord) -> Result<(), ApiError> {
        store::write_json(
            self.results.as_ref(),
            &record::key(&record.job_id),
            &record.job_id,
            record,
        )
        .await
        .map_err(bucket)
    }

    /// Start `sweep` for `requested_by`: its job written where its tasks read it, its record, then the
    /// workflow. A workflow that cannot start leaves the job FAILED (503).
    pub async fn start(
        &self,
        sweep: Sweep,
        requested_by: &str,
        trace_id: Option<String>,
    ) -> Result<SweepRecord, ApiError> {
        let now = Timestamp::now();
        let job_id = record::new_job_id(now);
        let trace_id = trace_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let Sweep {
            strategy,
            spec,
            start_date,
            end_date,
        } = sweep;
        let warmup = StrategyConfig {
            startup_candle_count: Some(strategy.search_space.startup_candles(&strategy)),
            ..strategy.clone()
        };
        let input = json!({
            "job_id": job_id,
            "trace_id": trace_id,
            "task_definition": self.task_definition,
            "rounds": spec.trials.div_ceil(spec.round_size),
            "padding_days": warmup.padding_days(strategy.timeframe),
            "config": {
                "strategy": strategy.name,
                "timeframe": strategy.timeframe,
                "symbols": strategy.symbols,
                "start_date": start_date,
                "end_date": end_date,
            },
        });
        let mut record = SweepRecord {
            job_id: job_id.clone(),
            trace_id,
            strategy: strategy.name.clone(),
            status: SweepStatus::Running,
            objective: spec.objective,
            sampler: spec.sampler,
            trials: spec.trials,
            seed: spec.seed,
            folds: spec.folds,
            constraints: spec.constraints,
            start_date,
            end_date,
            requested_by: requested_by.to_owned(),
            created_at: now,
            completed_at: None,
            execution_arn: None,
            error: None,
            config_version_id: None,
        };
        SweepJob {
            job_id: job_id.clone(),
            strategy,
            spec,
            start_date,
            end_date,
            trials_per_item: self.trials_per_item,
        }
        .store(self.results.as_ref())
        .await
        .map_err(bucket)?;
        self.save(&record).await?;
        match self.workflow.start(&job_id, &input).await {
            Ok(execution) => record.execution_arn = Some(execution),
            Err(error) => {
                tracing::warn!(%job_id, %error, "the hyperopt workflow did not start");
                record.status = SweepStatus::Failed;
                record.completed_at = Some(Timestamp::now());
                record.error = Some(format!("the workflow did not start: {error}"));
                self.save(&record).await?;
                return Err(workflow_down(error));
            }
        }
        self.save(&record).await?;
        tracing::info!(%job_id, trace_id = %record.trace_id, "sweep started");
        Ok(record)
    }

    /// Job `job_id`'s record, brought up to date with its execution (404 for no such job).
    pub async fn record(&self, job_id: &str) -> Result<SweepRecord, ApiError> {
        let missing = || ApiError::not_found("Hyperopt job", job_id);
        if !record::is_job_id(job_id) {
            return Err(missing());
        }
        let stored: SweepRecord = store::read_json(self.results.as_ref(), &record::key(job_id))
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => missing(),
                other => bucket(other),
            })?;
        self.refreshed(stored).await
    }

    /// `record` with its execution's status, saved when it has ended.
    async fn refreshed(&self, record: SweepRecord) -> Result<SweepRecord, ApiError> {
        let Some(execution) = record
            .execution_arn
            .as_deref()
            .filter(|_| !record.finished())
        else {
            return Ok(record);
        };
        let status = self
            .workflow
            .status(execution)
            .await
            .map_err(workflow_down)?;
        let summarised = status != ExecutionStatus::Running
            && match self.results.get(&store::summary_key(&record.job_id)).await {
                Ok(_) => true,
                Err(DomainError::NotFound { .. }) => false,
                Err(other) => {
                    return Err(ApiError::unavailable("results bucket", &other.to_string()))
                }
            };
        match record.on_execution(status, summarised, Timestamp::now()) {
            Some(mut ended) => {
                if ended.status == SweepStatus::Completed {
                    ended.config_version_id = self.register_best(&ended).await?;
                }
                self.save(&ended).await?;
                Ok(ended)
            }
            None => Ok(record),
        }
    }

    /// Register completed sweep `job`'s best trial as a DRAFT config version of its strategy: the strategy
    /// with the best parameters applied (content-addressed, so registering again is the same version); its
    /// id, or `None` for a sweep without a complete trial.
    async fn register_best(&self, job: &SweepRecord) -> Result<Option<String>, ApiError> {
        let results = self.results.as_ref();
        let summary: Summary = store::read_json(results, &store::summary_key(&job.job_id))
            .await
            .map_err(bucket)?;
        let Some(best) = summary.best else {
            return Ok(None);
        };
        let sweep: SweepJob = store::read_json(results, &store::job_key(&job.job_id))
            .await
            .map_err(bucket)?;
        let tuned = apply(&sweep.strategy, &best.params).map_err(|reason| {
            tracing::error!(job_id = %job.job_id, %reason, "the best trial's parameters do not apply");
            ApiError::internal()
        })?;
        let tuned = StrategyConfig {
            search_space: Default::default(),
            ..tuned
        };
        let data = serde_json::to_value(&tuned).map_err(|_| ApiError::internal())?;
        let version = ConfigVersion::draft(
            tuned.name.clone(),
            data,
            format!(
                "hyperopt {}: trial {} of {}, {} {:.4}",
                job.job_id,
                best.number,
                job.trials,
                job.objective.name(),
                best.value.unwrap_or(f64::NAN)
            ),
            Timestamp::now(),
        );
        self.versions
            .put_if_absent(&version)
            .await
            .map_err(|e| ApiError::unavailable("config versions", &e.to_string()))?;
        tracing::info!(job_id = %job.job_id, config_id = %version.config_id, "best parameters registered as a DRAFT");
        Ok(Some(version.config_id))
    }

    /// Job `job_id` with its progress: its summary once written, else the trials stored so far.
    pub async fn view(&self, job_id: &str) -> Result<SweepView, ApiError> {
        let job = self.record(job_id).await?;
        let results = self.results.as_ref();
        let summary = match store::read_json::<Summary>(results, &store::summary_key(job_id)).await
        {
            Ok(summary) => summary,
            Err(StoreError::NotFound(_)) => Summary::of(
                job_id,
                store::stored_trials(results, job_id, None)
                    .await
                    .map_err(bucket)?,
            ),
            Err(other) => return Err(bucket(other)),
        };
        let until = job.completed_at.unwrap_or_else(Timestamp::now);
        let elapsed = (until.datetime() - job.created_at.datetime()).num_milliseconds();
        Ok(SweepView {
            progress: Progress {
                trials_done: summary.trials.len(),
                trials_total: job.trials,
                states: summary.states,
                best: summary.best,
                elapsed_seconds: elapsed.max(0) as f64 / 1000.0,
                trials: summary.trials,
            },
            job,
        })
    }

    /// The newest `limit` jobs, of `status` when given, each brought up to date.
    pub async fn list(
        &self,
        limit: usize,
        status: Option<SweepStatus>,
    ) -> Result<Vec<SweepRecord>, ApiError> {
        let mut keys = self
            .results
            .list(record::PREFIX)
            .await
            .map_err(|e| ApiError::unavailable("results bucket", &e.to_string()))?;
        keys.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::new();
        for key in keys {
            if out.len() == limit {
                break;
            }
            let stored: SweepRecord = store::read_json(self.results.as_ref(), &key)
                .await
                .map_err(bucket)?;
            let record = self.refreshed(stored).await?;
            if status.is_none_or(|s| s == record.status) {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Stop job `job_id`: its workflow stopped, the trials that finished kept (409 once it has ended).
    pub async fn cancel(&self, job_id: &str) -> Result<SweepRecord, ApiError> {
        let record = self.record(job_id).await?;
        if record.finished() {
            return Err(ApiError::conflict(
                format!("hyperopt job {job_id} has already ended"),
                json!({"job_id": job_id, "status": record.status}),
            ));
        }
        if let Some(execution) = &record.execution_arn {
            self.workflow
                .stop(execution, "cancelled by the user")
                .await
                .map_err(workflow_down)?;
        }
        let cancelled = SweepRecord {
            status: SweepStatus::Cancelled,
            completed_at: Some(Timestamp::now()),
            ..record
        };
        self.save(&cancelled).await?;
        tracing::info!(%job_id, "sweep cancelled");
        Ok(cancelled)
    }
}
