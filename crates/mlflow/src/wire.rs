//! The MLflow REST API's JSON shapes (only the fields we read) and their conversion to domain entities.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tradai_domain::entities::{ModelVersion, Timestamp};
use tradai_domain::ports::RunSummary;
use tradai_domain::{DomainError, ModelStage, Result};

/// A `{key, value}` pair (tags and params).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pair {
    pub key: String,
    pub value: String,
}

/// Pairs as a map.
pub fn pairs(list: Vec<Pair>) -> BTreeMap<String, String> {
    list.into_iter().map(|p| (p.key, p.value)).collect()
}

/// A map as pairs.
pub fn to_pairs(map: &BTreeMap<String, String>) -> Vec<Pair> {
    map.iter()
        .map(|(key, value)| Pair {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// Milliseconds since the epoch as a timestamp.
pub fn millis(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

#[derive(Debug, Deserialize)]
pub struct WireVersion {
    pub name: String,
    pub version: String,
    pub creation_timestamp: i64,
    pub current_stage: String,
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<Pair>,
}

impl WireVersion {
    /// The domain version, with the metrics of its run.
    pub fn into_domain(self, metrics: BTreeMap<String, f64>) -> Result<ModelVersion> {
        let stage: ModelStage = self.current_stage.parse().map_err(|_| {
            DomainError::external(
                "mlflow",
                tradai_domain::ExternalKind::Rejected,
                format!(
                    "unknown stage '{}' of {} v{}",
                    self.current_stage, self.name, self.version
                ),
            )
        })?;
        Ok(ModelVersion {
            model_name: self.name,
            version: self.version,
            stage,
            run_id: self.run_id.filter(|id| !id.is_empty()),
            metrics,
            tags: pairs(self.tags),
            created_at: millis(self.creation_timestamp),
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct VersionAnswer {
    pub model_version: WireVersion,
}

/// A page of `registered-models/search` (only the names are read).
#[derive(Debug, Deserialize)]
pub struct ModelsAnswer {
    #[serde(default)]
    pub registered_models: Vec<NamedModel>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NamedModel {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct VersionsAnswer {
    #[serde(default)]
    pub model_versions: Vec<WireVersion>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WireModel {
    pub name: String,
    pub creation_timestamp: i64,
    pub last_updated_timestamp: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub latest_versions: Vec<WireVersion>,
}

#[derive(Debug, Deserialize)]
pub struct ModelAnswer {
    pub registered_model: WireModel,
}

#[derive(Debug, Deserialize)]
pub struct Metric {
    pub key: String,
    pub value: f64,
}

#[derive(Debug, Deserialize)]
pub struct RunInfo {
    pub run_id: String,
    pub status: String,
    pub start_time: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct RunData {
    #[serde(default)]
    pub metrics: Vec<Metric>,
    #[serde(default)]
    pub params: Vec<Pair>,
    #[serde(default)]
    pub tags: Vec<Pair>,
}

#[derive(Debug, Deserialize)]
pub struct WireRun {
    pub info: RunInfo,
    #[serde(default)]
    pub data: RunData,
}

impl WireRun {
    /// The run's metrics.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        self.data
            .metrics
            .iter()
            .map(|m| (m.key.clone(), m.value))
            .collect()
    }

    /// The run as a summary; MLflow's own `mlflow.*` tags are left out.
    pub fn into_summary(self) -> RunSummary {
        let metrics = self.metrics();
        let mut tags = pairs(self.data.tags);
        tags.retain(|key, _| !key.starts_with("mlflow."));
        RunSummary {
            run_id: self.info.run_id,
            status: self.info.status,
            started_at: millis(self.info.start_time),
            metrics,
            params: pairs(self.data.params),
            tags,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RunAnswer {
    pub run: WireRun,
}

#[derive(Debug, Deserialize)]
pub struct RunsAnswer {
    #[serde(default)]
    pub runs: Vec<WireRun>,
}

#[derive(Debug, Deserialize)]
pub struct WireExperiment {
    pub experiment_id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct ExperimentAnswer {
    pub experiment: WireExperiment,
}

#[derive(Debug, Deserialize)]
pub struct CreatedExperiment {
    pub experiment_id: String,
}

/// MLflow's error body.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error_code: String,
    #[serde(default)]
    pub message: String,
}
