//! Backtest jobs: the submitted config, the stored job row, and the queue message of reference §10.3.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::market::{Symbol, Timeframe};
use super::time::Timestamp;
use super::Record;
use crate::{DomainError, JobStatus, Result};

/// What to backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestConfig {
    /// Strategy name.
    pub strategy: String,
    /// Candle timeframe.
    #[serde(default = "default_timeframe")]
    pub timeframe: Timeframe,
    /// First day (YYYY-MM-DD).
    pub start_date: NaiveDate,
    /// Last day (YYYY-MM-DD), after `start_date`.
    pub end_date: NaiveDate,
    /// Pairs to trade.
    #[serde(default = "default_symbols")]
    pub symbols: Vec<Symbol>,
    /// Stop loss as a negative fraction (-0.1 = 10 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stoploss: Option<f64>,
    /// Stake per trade in quote currency.
    #[serde(default = "default_stake")]
    pub stake_amount: f64,
    /// Config version to merge defaults from (`v1-…`, or `ACTIVE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_version_id: Option<String>,
    /// MLflow experiment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment_name: Option<String>,
}

fn default_timeframe() -> Timeframe {
    Timeframe::H1
}

fn default_symbols() -> Vec<Symbol> {
    vec![Symbol::try_from("BTC/USDT:USDT".to_owned()).expect("constant is a valid symbol")]
}

fn default_stake() -> f64 {
    1000.0
}

/// The longest strategy name.
pub const MAX_STRATEGY_NAME: usize = 64;
/// The longest MLflow experiment name or config version id.
pub const MAX_EXPERIMENT_NAME: usize = 128;

impl BacktestConfig {
    /// Rules that serde alone cannot express, at today's date.
    pub fn validate(&self) -> Result<()> {
        self.validate_at(chrono::Utc::now().date_naive())
    }

    /// Rules that serde alone cannot express, with `today` bounding the range (`crate::bounds`).
    pub fn validate_at(&self, today: NaiveDate) -> Result<()> {
        if self.strategy.trim().is_empty() {
            return Err(DomainError::validation("strategy", "must not be empty"));
        }
        crate::bounds::check_name("strategy", &self.strategy, MAX_STRATEGY_NAME)?;
        if let Some(experiment) = &self.experiment_name {
            crate::bounds::check_name("experiment_name", experiment, MAX_EXPERIMENT_NAME)?;
        }
        if let Some(version) = self.config_version_id.as_deref().filter(|v| *v != "ACTIVE") {
            crate::bounds::check_name("config_version_id", version, MAX_EXPERIMENT_NAME)?;
        }
        crate::bounds::check_range(
            ("start_date", self.start_date),
            ("end_date", self.end_date),
            self.timeframe,
            today,
        )?;
        if self.symbols.is_empty() || self.symbols.len() > 50 {
            return Err(DomainError::validation(
                "symbols",
                format!("{} symbols given; allowed 1 to 50", self.symbols.len()),
            ));
        }
        if !(self.stake_amount.is_finite() && self.stake_amount > 0.0) {
            return Err(DomainError::validation(
                "stake_amount",
                format!("{} is not a positive amount", self.stake_amount),
            ));
        }
        if let Some(stoploss) = self.stoploss.filter(|s| !(-1.0..0.0).contains(s)) {
            return Err(DomainError::validation(
                "stoploss",
                format!("{stoploss} is not between -1 and 0"),
            ));
        }
        Ok(())
    }
}

/// The error recorded on a failed job (Step Functions' `{Error, Cause}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobError {
    pub error: String,
    pub cause: String,
}

/// A backtest job: one row of `tradai-workflow-state-<env>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestJob {
    pub job_id: String,
    pub trace_id: String,
    pub status: JobStatus,
    pub config: BacktestConfig,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecs_task_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mlflow_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_key: Option<String>,
    /// The runner attempt that holds the job while it runs (`JobRepository::claim`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    /// Until when (epoch seconds) that attempt holds it; it renews the lease while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
}

impl Record for BacktestJob {
    const TABLE: &'static str = "workflow-state";
}

impl BacktestJob {
    /// A new PENDING job with fresh job and trace ids.
    pub fn new(config: BacktestConfig, now: Timestamp) -> Self {
        BacktestJob::with_ids(
            uuid::Uuid::new_v4().to_string(),
            uuid::Uuid::new_v4().to_string(),
            config,
            now,
        )
    }

    /// A new PENDING job with given ids (a queued message may carry its job id and trace id).
    pub fn with_ids(
        job_id: String,
        trace_id: String,
        config: BacktestConfig,
        now: Timestamp,
    ) -> Self {
        BacktestJob {
            job_id,
            trace_id,
            status: JobStatus::Pending,
            config,
            created_at: now,
            updated_at: now,
            started_at: None,
            completed_at: None,
            error: None,
            execution_arn: None,
            ecs_task_arn: None,
            mlflow_run_id: None,
            result_key: None,
            attempt_id: None,
            lease_until: None,
        }
    }
}

/// A backtest request on the queue (reference §10.3): the nested form `{job_id?, config: {...}}` is preferred;
/// the legacy flat form carries `strategy_name` and the config fields at the top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMessage {
    /// Job id; generated when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Trace id; generated when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// The config (nested form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<BacktestConfig>,
    /// Legacy: strategy name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_name: Option<String>,
    /// Legacy: experiment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment_name: Option<String>,
    /// Legacy: priority (0 = normal).
    #[serde(default)]
    pub priority: i32,
    /// Legacy: submission time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// Legacy: the config fields at the top level.
    #[serde(flatten)]
    pub legacy: serde_json::Map<String, serde_json::Value>,
}

impl JobMessage {
    /// Parse a queue message body into a job (PENDING, ids from the message or fresh).
    pub fn parse(body: &str, now: Timestamp) -> Result<BacktestJob> {
        let message: JobMessage = serde_json::from_str(body)
            .map_err(|err| DomainError::validation("message", err.to_string()))?;
        let config = match (message.config, message.strategy_name) {
            (Some(config), _) => config,
            (None, Some(strategy)) => {
                let mut fields = message.legacy;
                fields.insert("strategy".into(), strategy.into());
                if let Some(experiment) = message.experiment_name {
                    fields.insert("experiment_name".into(), experiment.into());
                }
                serde_json::from_value(fields.into())
                    .map_err(|err| DomainError::validation("message", err.to_string()))?
            }
            (None, None) => {
                return Err(DomainError::validation(
                    "config",
                    "the message has neither `config` nor `strategy_name`",
                ))
            }
        };
        config.validate_at(now.datetime().date_naive())?;
        for (field, id) in [("job_id", &message.job_id), ("trace_id", &message.trace_id)] {
            if let Some(id) = id {
                crate::bounds::check_name(field, id, MAX_EXPERIMENT_NAME)?;
            }
        }
        let job_id = message
            .job_id
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let trace_id = message
            .trace_id
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        Ok(BacktestJob::with_ids(job_id, trace_id, config, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-24T12:00:00Z".parse().expect("time")
    }

    #[test]
    fn parses_the_nested_message_with_defaults() {
        let job = JobMessage::parse(r#"{"job_id":"j1","config":{"strategy":"sma-crossover","start_date":"2026-01-01","end_date":"2026-02-01"}}"#, now())
            .expect("valid");
        assert_eq!(job.job_id, "j1");
        assert_eq!(job.status, JobStatus::Pending);
        assert_eq!(job.config.timeframe, Timeframe::H1);
        assert_eq!(job.config.symbols[0].as_str(), "BTC/USDT:USDT");
        assert_eq!(job.config.stake_amount, 1000.0);
        assert!(!job.trace_id.is_empty());
    }

    #[test]
    fn parses_the_legacy_flat_message() {
        let body = r#"{"strategy_name":"PascalStrategy","experiment_name":"backtest-pascal","priority":2,
            "timeframe":"4h","start_date":"2026-01-01","end_date":"2026-03-01","symbols":["ETH/USDT:USDT"]}"#;
        let job = JobMessage::parse(body, now()).expect("valid");
        assert_eq!(job.config.strategy, "PascalStrategy");
        assert_eq!(
            job.config.experiment_name.as_deref(),
            Some("backtest-pascal")
        );
        assert_eq!(job.config.timeframe, Timeframe::H4);
    }

    #[test]
    fn rejects_messages_naming_the_bad_field() {
        let cases = [
            (
                r#"{"priority":1}"#,
                "invalid config: the message has neither `config` nor `strategy_name`",
            ),
            (
                r#"{"config":{"strategy":"s","start_date":"2026-02-01","end_date":"2026-01-01"}}"#,
                "invalid start_date: start_date 2026-02-01 must be before end_date 2026-01-01",
            ),
            (
                r#"{"config":{"strategy":"s","start_date":"2026-01-01","end_date":"2026-02-01","stake_amount":-5}}"#,
                "invalid stake_amount: -5 is not a positive amount",
            ),
            (
                r#"{"config":{"strategy":" ","start_date":"2026-01-01","end_date":"2026-02-01"}}"#,
                "invalid strategy: must not be empty",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(
                JobMessage::parse(body, now()).expect_err(body).to_string(),
                message
            );
        }
        let err = JobMessage::parse(r#"{"config":{"strategy":"s","start_date":"2026-01-01","end_date":"2026-02-01","timeframe":"2h"}}"#, now())
            .expect_err("bad timeframe");
        assert!(err.to_string().contains("unknown variant `2h`"), "{err}");
        assert!(JobMessage::parse("not json", now()).is_err());
    }

    #[test]
    fn a_job_row_serialises_with_its_index_keys_at_the_top_level() {
        let job = JobMessage::parse(r#"{"job_id":"j1","trace_id":"t1","config":{"strategy":"s","start_date":"2026-01-01","end_date":"2026-02-01"}}"#, now())
            .expect("valid");
        insta::assert_json_snapshot!(job, @r#"
        {
          "job_id": "j1",
          "trace_id": "t1",
          "status": "pending",
          "config": {
            "strategy": "s",
            "timeframe": "1h",
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
            "symbols": [
              "BTC/USDT:USDT"
            ],
            "stake_amount": 1000.0
          },
          "created_at": "2026-11-24T12:00:00.000000Z",
          "updated_at": "2026-11-24T12:00:00.000000Z"
        }
        "#);
    }
}
