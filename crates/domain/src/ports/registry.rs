//! The model-registry port (MLflow, reference §21): registered models, their versions and stages, and the
//! experiment runs that produced them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::entities::{ModelVersion, Timestamp};
use crate::{ModelStage, Result};

/// A registered model with the newest version in each stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub latest_versions: Vec<ModelVersion>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A version to register from a run's artifacts.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub model_name: String,
    /// Where the model's artifacts are (`runs:/<run_id>/model`, `s3://…`).
    pub source: String,
    pub run_id: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A finished run to record in an experiment (created when missing).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewRun {
    pub experiment_name: String,
    pub metrics: BTreeMap<String, f64>,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// When the run started (a backfilled run); now when `None`.
    pub started_at: Option<Timestamp>,
}

/// Where a run was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRun {
    pub experiment_id: String,
    pub run_id: String,
}

/// One run of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run_id: String,
    pub status: String,
    pub started_at: Timestamp,
    pub metrics: BTreeMap<String, f64>,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

/// An experiment and its runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub experiment_id: String,
    pub name: String,
    pub runs: Vec<RunSummary>,
}

/// The model registry and experiment tracking.
#[async_trait]
pub trait ModelRegistry: Send + Sync {
    /// A registered model; `NotFound` if it is not registered.
    async fn model(&self, name: &str) -> Result<RegisteredModel>;
    /// The names of every registered model, sorted.
    async fn model_names(&self) -> Result<Vec<String>>;
    /// Every version of a model, newest first, with the metrics of the run behind each; `NotFound` if the model
    /// is not registered.
    async fn versions(&self, name: &str) -> Result<Vec<ModelVersion>>;
    /// Register a new version (and the model, when it is new); it starts in stage `None`.
    async fn register(&self, version: NewVersion) -> Result<ModelVersion>;
    /// Move a version to `stage` as it is, without touching other versions (the lifecycle is the caller's).
    async fn set_stage(&self, name: &str, version: &str, stage: ModelStage)
        -> Result<ModelVersion>;
    /// Record a finished run in its experiment (created when missing).
    async fn log_run(&self, run: NewRun) -> Result<LoggedRun>;
    /// An experiment by id with its runs (at most `max_runs`, newest first); `NotFound` if absent.
    async fn experiment(&self, experiment_id: &str, max_runs: usize) -> Result<Experiment>;
    /// An experiment by name with its runs (at most `max_runs`, newest first); `NotFound` if absent.
    async fn experiment_by_name(&self, name: &str, max_runs: usize) -> Result<Experiment>;
}

/// The registry of a deployment without MLflow: every call is a configuration error naming the variable, so
/// a binary deployed without `MLFLOW_TRACKING_URI` says so instead of answering from an empty registry.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRegistry;

impl NoRegistry {
    fn missing<T>(&self) -> Result<T> {
        Err(crate::DomainError::Configuration(
            "no model registry is configured: set MLFLOW_TRACKING_URI".into(),
        ))
    }
}

#[async_trait]
impl ModelRegistry for NoRegistry {
    async fn model(&self, _name: &str) -> Result<RegisteredModel> {
        self.missing()
    }
    async fn model_names(&self) -> Result<Vec<String>> {
        self.missing()
    }
    async fn versions(&self, _name: &str) -> Result<Vec<ModelVersion>> {
        self.missing()
    }
    async fn register(&self, _version: NewVersion) -> Result<ModelVersion> {
        self.missing()
    }
    async fn set_stage(
        &self,
        _name: &str,
        _version: &str,
        _stage: ModelStage,
    ) -> Result<ModelVersion> {
        self.missing()
    }
    async fn log_run(&self, _run: NewRun) -> Result<LoggedRun> {
        self.missing()
    }
    async fn experiment(&self, _experiment_id: &str, _max_runs: usize) -> Result<Experiment> {
        self.missing()
    }
    async fn experiment_by_name(&self, _name: &str, _max_runs: usize) -> Result<Experiment> {
        self.missing()
    }
}
