//! `tradai-backtest-runner`: the backtest task (reference §19.1). [`Runner::run`] takes a job id and:
//! 1. reads the job (a finished or cancelled job is left alone) and claims it as a new attempt (RUNNING, held
//!    under a lease it renews while it runs: [`lease`]);
//! 2. loads the strategy config from the configs bucket, with the job's timeframe, symbols, stake and stop loss
//!    taking precedence;
//! 3. loads each symbol's candles over `[start_date, end_date)` with the strategy's warm-up before it, and its
//!    funding events, from the market store, and runs them as one portfolio sharing a wallet;
//! 4. writes `result.json` to the results bucket, logs the run to the model registry when one is configured
//!    (a registry failure is logged, not fatal: the result is already stored);
//! 5. marks the job COMPLETED with the result key, or FAILED with the reason, if its attempt still holds it.
//!
//! The ECS binary and the local executor both call it.

pub mod hyperopt;
pub mod lease;
pub mod result;
pub mod settings;
pub mod train;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveTime;
use tradai_backtest::{backtest, Market, Settings, Window};
use tradai_domain::entities::{
    BacktestJob, Candle, FundingRate, JobError, StrategyConfig, Timestamp,
};
use tradai_domain::ports::{
    JobRepository, JobUpdate, MarketStore, ModelRegistry, NewRun, ObjectStore, StoredObject,
    Transition,
};
use tradai_domain::{DomainError, JobStatus, Result};

use crate::lease::Lease;
use crate::result::{document, logged_metrics};

/// One symbol's loaded data.
struct SymbolData {
    symbol: String,
    candles: Vec<Candle>,
    funding: Vec<FundingRate>,
}

/// The engine's view of the loaded data.
fn markets(data: &[SymbolData]) -> Vec<Market<'_>> {
    data.iter()
        .map(|d| Market {
            candles: &d.candles,
            funding: &d.funding,
        })
        .collect()
}

/// What the runner needs.
#[derive(Clone)]
pub struct Runner {
    pub jobs: JobRepository,
    /// The configs bucket (`strategies/<name>.json`).
    pub configs: Arc<dyn ObjectStore>,
    pub market: Arc<dyn MarketStore>,
    /// The results bucket.
    pub results: Arc<dyn ObjectStore>,
    pub registry: Option<Arc<dyn ModelRegistry>>,
    pub settings: Settings,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub job_id: String,
    pub status: JobStatus,
    pub result_key: Option<String>,
    pub error: Option<JobError>,
}

/// Where a job's result document goes.
pub fn result_key(job_id: &str) -> String {
    format!("backtests/{job_id}/result.json")
}

fn failure(error: &str, cause: impl Into<String>) -> JobError {
    JobError {
        error: error.to_owned(),
        cause: cause.into(),
    }
}

impl Runner {
    /// The runner over the platform's `ports`; runs are logged to its model registry when `log_runs` (a real
    /// MLflow is configured).
    pub fn from_ports(
        ports: &tradai_platform::Ports,
        log_runs: bool,
        settings: Settings,
    ) -> Runner {
        Runner {
            jobs: ports.jobs.clone(),
            configs: ports.configs.clone(),
            market: ports.market.clone(),
            results: ports.results.clone(),
            registry: log_runs.then(|| ports.registry.clone()),
            settings,
        }
    }

    /// Run job `job_id` to COMPLETED or FAILED. `Err` only when the job cannot be read or its status written.
    pub async fn run(&self, job_id: &str) -> Result<Outcome> {
        self.run_until(job_id, std::future::pending()).await
    }

    /// [`Runner::run`], unless `stop` resolves first (SIGTERM: ECS stopping the task, a Spot interruption):
    /// then the job is FAILED `Interrupted` by this attempt, so it does not wait on a lease for the sweeper and
    /// the user sees why at once.
    pub async fn run_until(
        &self,
        job_id: &str,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<Outcome> {
        let job = self
            .jobs
            .get(job_id)
            .await?
            .ok_or_else(|| DomainError::not_found("backtest job", job_id))?;
        if matches!(
            job.status,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        ) {
            return Ok(Outcome {
                job_id: job_id.into(),
                status: job.status,
                result_key: job.result_key,
                error: job.error,
            });
        }
        // Each run is an attempt of its own: only the attempt that holds the job may end it (decision A14).
        let attempt = uuid::Uuid::new_v4().to_string();
        let refused = match self.jobs.claim(job_id, &attempt, Timestamp::now()).await? {
            Transition::Applied(_) => None,
            Transition::Stale { current } => Some(current),
            Transition::Repeated(job) => Some(job.status),
        };
        if let Some(current) = refused {
            tracing::warn!(job_id, %current, "the job is held by another runner or no longer runnable; not run");
            return Ok(Outcome {
                job_id: job_id.into(),
                status: current,
                result_key: None,
                error: None,
            });
        }
        let _lease = Lease::hold(self.jobs.clone(), job_id, &attempt);
        let ran = tokio::select! {
            biased;
            () = stop => Err(failure(
                "Interrupted",
                "the runner was stopped before the backtest finished (the task received SIGTERM); submit it again",
            )),
            ran = self.backtest(&job) => ran,
        };
        let (status, update) = match ran {
            Ok((key, run_id)) => (
                JobStatus::Completed,
                JobUpdate {
                    completed_at: Some(Timestamp::now()),
                    result_key: Some(key),
                    mlflow_run_id: run_id,
                    ..JobUpdate::default()
                },
            ),
            Err(error) => {
                tracing::warn!(job_id, error = %error.error, cause = %error.cause, "backtest failed");
                (
                    JobStatus::Failed,
                    JobUpdate {
                        completed_at: Some(Timestamp::now()),
                        error: Some(error),
                        ..JobUpdate::default()
                    },
                )
            }
        };
        let (result_key, error) = (update.result_key.clone(), update.error.clone());
        match self
            .jobs
            .finish(job_id, &attempt, status, update, Timestamp::now())
            .await?
        {
            Transition::Applied(job) => Ok(Outcome {
                job_id: job_id.into(),
                status: job.status,
                result_key,
                error,
            }),
            // Someone else ended the job first (a cancel, a workflow's failure report, the sweeper) or another
            // attempt took it over: their record stands.
            Transition::Repeated(job) => Ok(Outcome {
                job_id: job_id.into(),
                status: job.status,
                result_key: job.result_key,
                error: job.error,
            }),
            Transition::Stale { current } => Ok(Outcome {
                job_id: job_id.into(),
                status: current,
                result_key: None,
                error: None,
            }),
        }
    }

    /// The strategy as the job runs it.
    async fn strategy(&self, job: &BacktestJob) -> std::result::Result<StrategyConfig, JobError> {
        let mut strategy = self.load_strategy(&job.config.strategy).await?;
        strategy.timeframe = job.config.timeframe;
        strategy.symbols = job.config.symbols.clone();
        strategy.stake_amount = job.config.stake_amount;
        if let Some(stoploss) = job.config.stoploss {
            strategy.stoploss = stoploss;
        }
        Ok(strategy)
    }

    /// Strategy `name` from the configs bucket (`strategies/<name>.json`), checked.
    async fn load_strategy(&self, name: &str) -> std::result::Result<StrategyConfig, JobError> {
        let object = self
            .configs
            .get(&format!("strategies/{name}.json"))
            .await
            .map_err(|e| match e {
                DomainError::NotFound { .. } => failure(
                    "StrategyNotFound",
                    format!("no strategy config '{name}' in the configs bucket"),
                ),
                other => failure("ConfigsUnavailable", other.to_string()),
            })?;
        let document: serde_json::Value = serde_json::from_slice(&object.body).map_err(|e| {
            failure(
                "InvalidStrategy",
                format!("strategies/{name}.json is not JSON: {e}"),
            )
        })?;
        StrategyConfig::parse(&document).map_err(|issues| {
            let text: Vec<String> = issues
                .iter()
                .map(|i| format!("{}: {}", i.field, i.message))
                .collect();
            failure("InvalidStrategy", text.join("; "))
        })
    }

    /// The backtest's data (decisions F2, F3): each symbol's candles over `[start_date, end_date)` plus the
    /// strategy's warm-up before it, and its funding events over the range (futures symbols).
    async fn load(
        &self,
        strategy: &StrategyConfig,
        job: &BacktestJob,
    ) -> std::result::Result<(Window, Vec<SymbolData>), JobError> {
        let range = (job.config.start_date, job.config.end_date);
        self.load_range(strategy, range, strategy.startup_candles())
            .await
    }

    /// Each symbol's candles over `[start, end)` with `startup` candles before it, and its funding events.
    async fn load_range(
        &self,
        strategy: &StrategyConfig,
        (start_date, end_date): (chrono::NaiveDate, chrono::NaiveDate),
        startup: u32,
    ) -> std::result::Result<(Window, Vec<SymbolData>), JobError> {
        let day_start =
            |d: chrono::NaiveDate| d.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
        let window = Window {
            start: day_start(start_date),
            end: day_start(end_date),
        };
        let from = window.start - i64::from(startup) * strategy.timeframe.millis();
        let unavailable = |e: DomainError| failure("MarketDataUnavailable", e.to_string());
        let mut data = Vec::with_capacity(strategy.symbols.len());
        for symbol in &strategy.symbols {
            let candles = self
                .market
                .read(symbol, strategy.timeframe, from, window.end)
                .await
                .map_err(unavailable)?;
            if !candles.iter().any(|c| c.open_time >= window.start) {
                return Err(failure(
                    "NoMarketData",
                    format!(
                        "no {} candles of {symbol} from {} up to {} (end exclusive); sync them first (POST /api/v1/sync)",
                        strategy.timeframe, start_date, end_date
                    ),
                ));
            }
            let funding = if symbol.is_futures() {
                self.market
                    .read_funding(symbol, window.start, window.end)
                    .await
                    .map_err(unavailable)?
            } else {
                Vec::new()
            };
            data.push(SymbolData {
                symbol: symbol.to_string(),
                candles,
                funding,
            });
        }
        Ok((window, data))
    }

    /// The backtest itself: the result key and the registry run id.
    async fn backtest(
        &self,
        job: &BacktestJob,
    ) -> std::result::Result<(String, Option<String>), JobError> {
        let strategy = self.strategy(job).await?;
        let (window, data) = self.load(&strategy, job).await?;
        let startup = strategy.startup_candles();
        // The simulation is CPU work: it runs on the blocking pool, so the process's async workers (its health
        // route, its queue and its other requests) keep answering while it runs.
        let settings = self.settings;
        let (portfolio, data) = tokio::task::spawn_blocking(move || {
            (
                backtest(&strategy, &markets(&data), window, &settings),
                data,
            )
        })
        .await
        .map_err(|e| failure("BacktestFailed", format!("the simulation stopped: {e}")))?;
        let portfolio = portfolio.map_err(|e| failure("BacktestFailed", e.to_string()))?;
        let symbols: Vec<String> = data.into_iter().map(|d| d.symbol).collect();
        let document = document(job, startup, &symbols, &portfolio);
        let key = result_key(&job.job_id);
        let body =
            serde_json::to_vec(&document).map_err(|e| failure("BacktestFailed", e.to_string()))?;
        let object = StoredObject {
            body,
            content_type: "application/json".into(),
            metadata: BTreeMap::from([
                ("job-id".to_owned(), job.job_id.clone()),
                ("trace-id".to_owned(), job.trace_id.clone()),
            ]),
        };
        self.results
            .put(&key, object)
            .await
            .map_err(|e| failure("ResultsUnavailable", e.to_string()))?;
        let run_id = match &self.registry {
            Some(registry) => {
                self.log_run(registry.as_ref(), job, &document.metrics)
                    .await
            }
            None => None,
        };
        Ok((key, run_id))
    }

    async fn log_run(
        &self,
        registry: &dyn ModelRegistry,
        job: &BacktestJob,
        m: &tradai_backtest::Metrics,
    ) -> Option<String> {
        let mut tags = BTreeMap::from([
            ("trace_id".to_owned(), job.trace_id.clone()),
            ("job_id".to_owned(), job.job_id.clone()),
        ]);
        if let Some(version) = &job.config.config_version_id {
            tags.insert("config_version_id".into(), version.clone());
        }
        let run = NewRun {
            experiment_name: job
                .config
                .experiment_name
                .clone()
                .unwrap_or_else(|| format!("backtest-{}", job.config.strategy)),
            metrics: logged_metrics(m),
            params: BTreeMap::from([
                ("strategy".to_owned(), job.config.strategy.clone()),
                ("timeframe".to_owned(), job.config.timeframe.to_string()),
                (
                    "symbols".to_owned(),
                    job.config
                        .symbols
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                ("start_date".to_owned(), job.config.start_date.to_string()),
                ("end_date".to_owned(), job.config.end_date.to_string()),
            ]),
            tags,
            started_at: None,
        };
        match registry.log_run(run).await {
            Ok(logged) => Some(logged.run_id),
            Err(e) => {
                tracing::warn!(job_id = %job.job_id, error = %e, "the run was not logged to the model registry");
                None
            }
        }
    }
}
