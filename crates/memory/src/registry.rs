//! A model registry and experiment tracker in memory, behaving like MLflow's: versions numbered from 1 per
//! model, new versions in stage `None`, experiments numbered from 1 and created on first use.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tradai_domain::entities::{ModelVersion, Timestamp};
use tradai_domain::ports::{
    Experiment, LoggedRun, ModelRegistry, NewRun, NewVersion, RegisteredModel, RunSummary,
};
use tradai_domain::{DomainError, ModelStage, Result};

use crate::lock;

#[derive(Debug, Default)]
struct State {
    /// Versions per model, oldest first, with the model's creation time.
    models: BTreeMap<String, (Timestamp, Vec<ModelVersion>)>,
    /// Experiments by id: name and runs, oldest first.
    experiments: BTreeMap<String, (String, Vec<RunSummary>)>,
}

/// Registered models and experiments.
#[derive(Debug, Default)]
pub struct MemoryModelRegistry {
    state: Mutex<State>,
}

impl MemoryModelRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
}

fn unknown_model(name: &str) -> DomainError {
    DomainError::not_found("registered model", name)
}

impl State {
    fn run(&self, run_id: &str) -> Option<&RunSummary> {
        self.experiments
            .values()
            .flat_map(|(_, runs)| runs)
            .find(|r| r.run_id == run_id)
    }
}

#[async_trait]
impl ModelRegistry for MemoryModelRegistry {
    async fn model(&self, name: &str) -> Result<RegisteredModel> {
        let state = lock(&self.state);
        let (created_at, versions) = state.models.get(name).ok_or_else(|| unknown_model(name))?;
        let mut latest: BTreeMap<String, ModelVersion> = BTreeMap::new();
        for version in versions {
            latest.insert(version.stage.to_string(), version.clone());
        }
        Ok(RegisteredModel {
            name: name.to_owned(),
            description: None,
            updated_at: versions.last().map_or(*created_at, |v| v.created_at),
            latest_versions: latest.into_values().collect(),
            created_at: *created_at,
        })
    }

    async fn model_names(&self) -> Result<Vec<String>> {
        Ok(lock(&self.state).models.keys().cloned().collect())
    }

    async fn versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        let state = lock(&self.state);
        let (_, versions) = state.models.get(name).ok_or_else(|| unknown_model(name))?;
        Ok(versions.iter().rev().cloned().collect())
    }

    async fn register(&self, new: NewVersion) -> Result<ModelVersion> {
        let mut state = lock(&self.state);
        let metrics = match &new.run_id {
            Some(run_id) => state
                .run(run_id)
                .ok_or_else(|| DomainError::not_found("run", run_id.clone()))?
                .metrics
                .clone(),
            None => BTreeMap::new(),
        };
        let now = Timestamp::now();
        let (_, versions) = state
            .models
            .entry(new.model_name.clone())
            .or_insert_with(|| (now, Vec::new()));
        let version = ModelVersion {
            model_name: new.model_name,
            version: (versions.len() + 1).to_string(),
            stage: ModelStage::None,
            run_id: new.run_id,
            metrics,
            tags: new.tags,
            created_at: now,
        };
        versions.push(version.clone());
        Ok(version)
    }

    async fn set_stage(
        &self,
        name: &str,
        version: &str,
        stage: ModelStage,
    ) -> Result<ModelVersion> {
        let mut state = lock(&self.state);
        let (_, versions) = state
            .models
            .get_mut(name)
            .ok_or_else(|| unknown_model(name))?;
        let found = versions
            .iter_mut()
            .find(|v| v.version == version)
            .ok_or_else(|| DomainError::not_found("model version", format!("{name} v{version}")))?;
        found.stage = stage;
        Ok(found.clone())
    }

    async fn log_run(&self, run: NewRun) -> Result<LoggedRun> {
        let mut state = lock(&self.state);
        let next_id = (state.experiments.len() + 1).to_string();
        let experiment_id = state
            .experiments
            .iter()
            .find(|(_, (name, _))| *name == run.experiment_name)
            .map_or(next_id, |(id, _)| id.clone());
        let run_id = uuid::Uuid::new_v4().simple().to_string();
        let runs = &mut state
            .experiments
            .entry(experiment_id.clone())
            .or_insert_with(|| (run.experiment_name.clone(), Vec::new()))
            .1;
        runs.push(RunSummary {
            run_id: run_id.clone(),
            status: "FINISHED".into(),
            started_at: run.started_at.unwrap_or_else(Timestamp::now),
            metrics: run.metrics,
            params: run.params,
            tags: run.tags,
        });
        Ok(LoggedRun {
            experiment_id,
            run_id,
        })
    }

    async fn experiment(&self, experiment_id: &str, max_runs: usize) -> Result<Experiment> {
        let state = lock(&self.state);
        let (name, runs) = state
            .experiments
            .get(experiment_id)
            .ok_or_else(|| DomainError::not_found("experiment", experiment_id))?;
        let mut newest_first: Vec<RunSummary> = runs.iter().rev().cloned().collect();
        newest_first.sort_by_key(|r| std::cmp::Reverse(r.started_at));
        newest_first.truncate(max_runs);
        Ok(Experiment {
            experiment_id: experiment_id.to_owned(),
            name: name.clone(),
            runs: newest_first,
        })
    }

    async fn experiment_by_name(&self, name: &str, max_runs: usize) -> Result<Experiment> {
        let id = lock(&self.state)
            .experiments
            .iter()
            .find(|(_, (n, _))| n == name)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| DomainError::not_found("experiment", name))?;
        self.experiment(&id, max_runs).await
    }
}
