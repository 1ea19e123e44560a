//! `tradai-mlflow`: the [`ModelRegistry`] port over the MLflow REST API — the 2.0 model-registry endpoints
//! (`registered-models/*`, `model-versions/*`) and the tracking endpoints (`experiments/*`, `runs/*`).
//!
//! Reads and idempotent writes run under the resilience policy (retried on 429, 5xx and connection failures);
//! creating a run or a version is sent once, so a timeout never registers a version twice.

mod client;
mod wire;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::json;
use tradai_domain::entities::ModelVersion;
use tradai_domain::ports::{
    Experiment, LoggedRun, ModelRegistry, NewRun, NewVersion, RegisteredModel,
};
use tradai_domain::{DomainError, ModelStage, Result};

use client::Call;
pub use client::{Credentials, MlflowRegistry};
use wire::{
    millis, to_pairs, CreatedExperiment, ExperimentAnswer, ModelAnswer, ModelsAnswer, RunAnswer,
    RunsAnswer, VersionAnswer, VersionsAnswer, WireVersion,
};

/// Versions fetched per page of `model-versions/search`.
const PAGE: usize = 200;

impl MlflowRegistry {
    /// The metrics of `run_id`, or none for a version without a run.
    async fn run_metrics(&self, run_id: Option<&str>) -> Result<BTreeMap<String, f64>> {
        let Some(run_id) = run_id.filter(|id| !id.is_empty()) else {
            return Ok(BTreeMap::new());
        };
        let answer: RunAnswer = self
            .call(Call::get("runs/get", &[("run_id", run_id)]).about("run", run_id))
            .await?;
        Ok(answer.run.metrics())
    }

    async fn with_metrics(&self, version: WireVersion) -> Result<ModelVersion> {
        let metrics = self.run_metrics(version.run_id.as_deref()).await?;
        version.into_domain(metrics)
    }

    /// Every item of a paged search: `query` plus the page size, following `next_page_token`; `items` splits a
    /// page into its items and the next token.
    async fn search<P: serde::de::DeserializeOwned, T>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
        items: impl Fn(P) -> (Vec<T>, Option<String>),
    ) -> Result<Vec<T>> {
        let max = PAGE.to_string();
        let mut all = Vec::new();
        let mut token = String::new();
        loop {
            let mut page_query = query.to_vec();
            page_query.push(("max_results", max.as_str()));
            if !token.is_empty() {
                page_query.push(("page_token", token.as_str()));
            }
            let (found, next) = items(self.call(Call::get(endpoint, &page_query)).await?);
            all.extend(found);
            match next.filter(|t| !t.is_empty()) {
                Some(next) => token = next,
                None => break,
            }
        }
        Ok(all)
    }

    async fn experiment_by_name(&self, name: &str) -> Result<String> {
        let answer: ExperimentAnswer = self
            .call(
                Call::get("experiments/get-by-name", &[("experiment_name", name)])
                    .about("experiment", name),
            )
            .await?;
        Ok(answer.experiment.experiment_id)
    }

    /// The id of the experiment named `name`, created when missing. Two first runs of a new experiment race to
    /// create it: the one refused as RESOURCE_ALREADY_EXISTS reads the other's.
    async fn experiment_id(&self, name: &str) -> Result<String> {
        match self.experiment_by_name(name).await {
            Err(DomainError::NotFound { .. }) => {
                let created = self
                    .call::<CreatedExperiment>(
                        Call::post("experiments/create", json!({ "name": name })).once(),
                    )
                    .await;
                match created {
                    Ok(created) => Ok(created.experiment_id),
                    Err(DomainError::Conflict(_)) => self.experiment_by_name(name).await,
                    Err(other) => Err(other),
                }
            }
            found => found,
        }
    }
}

#[async_trait]
impl ModelRegistry for MlflowRegistry {
    async fn model(&self, name: &str) -> Result<RegisteredModel> {
        let answer: ModelAnswer = self
            .call(
                Call::get("registered-models/get", &[("name", name)])
                    .about("registered model", name),
            )
            .await?;
        let model = answer.registered_model;
        let mut latest = Vec::with_capacity(model.latest_versions.len());
        for version in model.latest_versions {
            latest.push(self.with_metrics(version).await?);
        }
        Ok(RegisteredModel {
            name: model.name,
            description: model.description.filter(|d| !d.is_empty()),
            latest_versions: latest,
            created_at: millis(model.creation_timestamp),
            updated_at: millis(model.last_updated_timestamp),
        })
    }

    async fn model_names(&self) -> Result<Vec<String>> {
        let mut names = self
            .search("registered-models/search", &[], |page: ModelsAnswer| {
                let names = page.registered_models.into_iter().map(|m| m.name);
                (names.collect(), page.next_page_token)
            })
            .await?;
        names.sort();
        Ok(names)
    }

    async fn versions(&self, name: &str) -> Result<Vec<ModelVersion>> {
        // The search answers an empty list for an unknown model; the lookup makes that a NotFound.
        self.call::<ModelAnswer>(
            Call::get("registered-models/get", &[("name", name)]).about("registered model", name),
        )
        .await?;
        let filter = format!("name='{}'", name.replace('\'', "\\'"));
        let mut wire = self
            .search(
                "model-versions/search",
                &[("filter", filter.as_str())],
                |page: VersionsAnswer| (page.model_versions, page.next_page_token),
            )
            .await?;
        wire.sort_by_key(|v| std::cmp::Reverse(v.version.parse::<u64>().unwrap_or(0)));
        let mut versions = Vec::with_capacity(wire.len());
        for version in wire {
            versions.push(self.with_metrics(version).await?);
        }
        Ok(versions)
    }

    async fn register(&self, new: NewVersion) -> Result<ModelVersion> {
        let metrics = self.run_metrics(new.run_id.as_deref()).await?;
        let exists = self
            .call::<ModelAnswer>(
                Call::get("registered-models/get", &[("name", &new.model_name)])
                    .about("registered model", &new.model_name),
            )
            .await;
        match exists {
            Ok(_) => {}
            Err(DomainError::NotFound { .. }) => {
                let created = self
                    .call::<ModelAnswer>(
                        Call::post(
                            "registered-models/create",
                            json!({ "name": new.model_name }),
                        )
                        .once(),
                    )
                    .await;
                // A concurrent registration may have created it first.
                if let Err(e) = created.as_ref() {
                    if !matches!(e, DomainError::Conflict(_)) {
                        return Err(e.clone());
                    }
                }
            }
            Err(other) => return Err(other),
        }
        let mut body =
            json!({ "name": new.model_name, "source": new.source, "tags": to_pairs(&new.tags) });
        if let Some(run_id) = &new.run_id {
            body["run_id"] = json!(run_id);
        }
        let answer: VersionAnswer = self
            .call(Call::post("model-versions/create", body).once())
            .await?;
        answer.model_version.into_domain(metrics)
    }

    async fn set_stage(
        &self,
        name: &str,
        version: &str,
        stage: ModelStage,
    ) -> Result<ModelVersion> {
        let body = json!({
            "name": name, "version": version, "stage": stage.as_str(), "archive_existing_versions": false
        });
        let answer: VersionAnswer = self
            .call(
                Call::post("model-versions/transition-stage", body)
                    .about("model version", &format!("{name} v{version}")),
            )
            .await?;
        self.with_metrics(answer.model_version).await
    }

    async fn log_run(&self, run: NewRun) -> Result<LoggedRun> {
        let experiment_id = self.experiment_id(&run.experiment_name).await?;
        let now = run.started_at.map_or_else(
            || chrono::Utc::now().timestamp_millis(),
            |at| at.datetime().timestamp_millis(),
        );
        let created: RunAnswer = self
            .call(
                Call::post(
                    "runs/create",
                    json!({ "experiment_id": experiment_id, "start_time": now, "tags": to_pairs(&run.tags) }),
                )
                .once(),
            )
            .await?;
        let run_id = created.run.info.run_id;
        let metrics: Vec<_> = run
            .metrics
            .iter()
            .map(|(key, value)| json!({ "key": key, "value": value, "timestamp": now, "step": 0 }))
            .collect();
        let batch =
            json!({ "run_id": run_id, "metrics": metrics, "params": to_pairs(&run.params) });
        self.call::<serde_json::Value>(Call::post("runs/log-batch", batch))
            .await?;
        let finish = json!({ "run_id": run_id, "status": "FINISHED", "end_time": now });
        self.call::<serde_json::Value>(Call::post("runs/update", finish))
            .await?;
        Ok(LoggedRun {
            experiment_id,
            run_id,
        })
    }

    async fn experiment_by_name(&self, name: &str, max_runs: usize) -> Result<Experiment> {
        let found: ExperimentAnswer = self
            .call(
                Call::get("experiments/get-by-name", &[("experiment_name", name)])
                    .about("experiment", name),
            )
            .await?;
        self.experiment(&found.experiment.experiment_id, max_runs)
            .await
    }

    async fn experiment(&self, experiment_id: &str, max_runs: usize) -> Result<Experiment> {
        let answer: ExperimentAnswer = self
            .call(
                Call::get("experiments/get", &[("experiment_id", experiment_id)])
                    .about("experiment", experiment_id),
            )
            .await?;
        let search = json!({
            "experiment_ids": [experiment_id],
            "max_results": max_runs.clamp(1, 1000),
            "order_by": ["attributes.start_time DESC"],
        });
        let runs: RunsAnswer = self.call(Call::post("runs/search", search)).await?;
        Ok(Experiment {
            experiment_id: answer.experiment.experiment_id,
            name: answer.experiment.name,
            runs: runs.runs.into_iter().map(|r| r.into_summary()).collect(),
        })
    }
}
