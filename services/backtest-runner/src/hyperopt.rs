//! The hyperopt tasks (issue 19, decision H5), each stateless over the results bucket, which is how the cloud's
//! workflow runs a sweep: a planner per round, a Map item per batch of trials, a finaliser.
//!
//! Keys carry plain round and item numbers (`round-12`), as the workflow's `States.Format` writes them.
//! `hyperopt/<job>/job.json` holds the sweep ([`SweepJob`]); the planner of round `r` replays the stored
//! trials of the earlier rounds and writes `round-<r>/items.json` (the round's points cut into items); each
//! item's task runs its points over the candles and writes `round-<r>/trials-<item>.json`; the finaliser
//! writes `summary.json` with the best trial and the whole table.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tradai_domain::entities::{JobError, Point, StrategyConfig};
use tradai_domain::ports::{ObjectStore, StoredObject};
use tradai_domain::DomainError;
use tradai_hyperopt::{evaluate, Rounds, Spec, Trial, TrialState};

use crate::{failure, markets, Runner};

/// A sweep as its tasks read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepJob {
    pub job_id: String,
    /// The strategy with its search space.
    pub strategy: StrategyConfig,
    pub spec: Spec,
    /// The range `[start_date, end_date)`.
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Trials per Map item (one ECS task).
    pub trials_per_item: u32,
}

/// One Map item: a batch of a round's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub job_id: String,
    pub round: u32,
    pub item: u32,
    pub points: Vec<(u32, Point)>,
}

/// What a finished sweep leaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub job_id: String,
    /// Trials by state (`complete`, `pruned`, …).
    pub states: BTreeMap<String, usize>,
    pub best: Option<Trial>,
    pub trials: Vec<Trial>,
}

impl SweepJob {
    /// Write the sweep where its tasks read it (`job.json` in the results bucket): what a sweep's starter does
    /// before it starts the workflow.
    pub async fn store(&self, results: &dyn ObjectStore) -> Result<(), JobError> {
        let key = job_key(&self.job_id);
        let body = serde_json::to_vec(self).map_err(unreadable(&key))?;
        results
            .put(&key, json_object(body, &self.job_id))
            .await
            .map_err(|e| failure("ResultsUnavailable", e.to_string()))
    }
}

pub fn job_key(job_id: &str) -> String {
    format!("hyperopt/{job_id}/job.json")
}

pub fn items_key(job_id: &str, round: u32) -> String {
    format!("hyperopt/{job_id}/round-{round}/items.json")
}

fn trials_key(job_id: &str, round: u32, item: u32) -> String {
    format!("hyperopt/{job_id}/round-{round}/trials-{item}.json")
}

pub fn summary_key(job_id: &str) -> String {
    format!("hyperopt/{job_id}/summary.json")
}

fn json_object(body: Vec<u8>, job_id: &str) -> StoredObject {
    StoredObject {
        body,
        content_type: "application/json".into(),
        metadata: BTreeMap::from([("job-id".to_owned(), job_id.to_owned())]),
    }
}

fn unreadable(key: &str) -> impl Fn(serde_json::Error) -> JobError + '_ {
    move |e| failure("InvalidSweep", format!("{key}: {e}"))
}

impl Runner {
    async fn read_json<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<T, JobError> {
        let object = self.results.get(key).await.map_err(|e| match e {
            DomainError::NotFound { .. } => failure("SweepNotFound", format!("no {key}")),
            other => failure("ResultsUnavailable", other.to_string()),
        })?;
        serde_json::from_slice(&object.body).map_err(unreadable(key))
    }

    async fn write_json<T: Serialize>(
        &self,
        key: &str,
        job_id: &str,
        value: &T,
    ) -> Result<(), JobError> {
        let body = serde_json::to_vec(value).map_err(unreadable(key))?;
        self.results
            .put(key, json_object(body, job_id))
            .await
            .map_err(|e| failure("ResultsUnavailable", e.to_string()))
    }

    /// Every stored trial of rounds before `round` (all of them for `None`), by trial number.
    async fn stored_trials(
        &self,
        job_id: &str,
        round: Option<u32>,
    ) -> Result<Vec<Trial>, JobError> {
        let keys = self
            .results
            .list(&format!("hyperopt/{job_id}/round-"))
            .await
            .map_err(|e| failure("ResultsUnavailable", e.to_string()))?;
        let mut trials = Vec::new();
        for key in keys.iter().filter(|k| k.contains("/trials-")) {
            let of_round: Option<u32> = key
                .split("/round-")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .and_then(|r| r.parse().ok());
            if round.is_none_or(|r| of_round.is_some_and(|o| o < r)) {
                trials.extend(self.read_json::<Vec<Trial>>(key).await?);
            }
        }
        trials.sort_by_key(|t| t.number);
        Ok(trials)
    }

    /// Plan round `round` of sweep `job_id`: its items, written to `items.json`; how many (0: the sweep has
    /// asked for every trial).
    pub async fn hyperopt_plan(&self, job_id: &str, round: u32) -> Result<usize, JobError> {
        let job: SweepJob = self.read_json(&job_key(job_id)).await?;
        let earlier = self.stored_trials(job_id, Some(round)).await?;
        let points = Rounds::replay(&job.strategy, &job.spec, &earlier, round)
            .map_err(|e| failure("InvalidSweep", e.to_string()))?;
        let items: Vec<Item> = points
            .chunks(job.trials_per_item.max(1) as usize)
            .enumerate()
            .map(|(item, points)| Item {
                job_id: job_id.to_owned(),
                round,
                item: item as u32,
                points: points.to_vec(),
            })
            .collect();
        self.write_json(&items_key(job_id, round), job_id, &items)
            .await?;
        Ok(items.len())
    }

    /// Run item `item` of round `round` on `workers` threads and store its trials.
    pub async fn hyperopt_item(
        &self,
        job_id: &str,
        round: u32,
        item: u32,
        workers: usize,
    ) -> Result<Vec<Trial>, JobError> {
        let job: SweepJob = self.read_json(&job_key(job_id)).await?;
        let items: Vec<Item> = self.read_json(&items_key(job_id, round)).await?;
        let points = items
            .into_iter()
            .find(|i| i.item == item)
            .ok_or_else(|| failure("InvalidSweep", format!("round {round} has no item {item}")))?
            .points;
        let earlier = self.stored_trials(job_id, Some(round)).await?;
        let startup = job.strategy.search_space.startup_candles(&job.strategy);
        let (window, data) = self
            .load_range(&job.strategy, (job.start_date, job.end_date), startup)
            .await?;
        let trials = tokio::task::spawn_blocking(move || {
            let markets = markets(&data);
            let cancel = AtomicBool::new(false);
            evaluate(
                &job.strategy,
                &job.spec,
                &markets,
                window,
                &points,
                &earlier,
                workers,
                &cancel,
            )
        })
        .await
        .map_err(|e| failure("SweepFailed", format!("the trials stopped: {e}")))?;
        self.write_json(&trials_key(job_id, round, item), job_id, &trials)
            .await?;
        Ok(trials)
    }

    /// Summarise sweep `job_id` from its stored trials into `summary.json`.
    pub async fn hyperopt_finalize(&self, job_id: &str) -> Result<Summary, JobError> {
        let trials = self.stored_trials(job_id, None).await?;
        let best = trials
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .filter(|t| t.value.is_some())
            .fold(None::<&Trial>, |best, t| match best {
                Some(b) if b.value >= t.value => Some(b),
                _ => Some(t),
            })
            .cloned();
        let mut states = BTreeMap::new();
        for trial in &trials {
            let state = serde_json::to_value(&trial.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *states.entry(state).or_insert(0) += 1;
        }
        let summary = Summary {
            job_id: job_id.to_owned(),
            states,
            best,
            trials,
        };
        self.write_json(&summary_key(job_id), job_id, &summary)
            .await?;
        Ok(summary)
    }
}
