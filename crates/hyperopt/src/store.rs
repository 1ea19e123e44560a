//! Where a sweep lives in the results bucket (decision H5): what its starter writes, what each of the cloud's
//! tasks reads and writes, and what the strategy service reads back for a job's progress.
//!
//! Keys carry plain round and item numbers (`round-12`), as the workflow's `States.Format` writes them.
//! `hyperopt/<job>/job.json` holds the sweep ([`SweepJob`]); the planner of round `r` writes
//! `round-<r>/items.json` (the round's points cut into [`Item`]s); each item's task writes
//! `round-<r>/trials-<item>.json`; the finaliser writes `summary.json` ([`Summary`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tradai_domain::entities::{Point, StrategyConfig};
use tradai_domain::ports::{ObjectStore, StoredObject};
use tradai_domain::DomainError;

use crate::{Spec, Trial, TrialState};

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

/// What a finished sweep leaves (and what its progress is, read before it ends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub job_id: String,
    /// Trials by state (`complete`, `pruned`, …).
    pub states: BTreeMap<String, usize>,
    pub best: Option<Trial>,
    pub trials: Vec<Trial>,
}

/// Why the bucket could not give or take a sweep's object.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {0}")]
    NotFound(String),
    #[error("{0}: {1}")]
    Invalid(String, String),
    #[error("the results bucket: {0}")]
    Unavailable(String),
}

pub fn job_key(job_id: &str) -> String {
    format!("hyperopt/{job_id}/job.json")
}

pub fn items_key(job_id: &str, round: u32) -> String {
    format!("hyperopt/{job_id}/round-{round}/items.json")
}

pub fn trials_key(job_id: &str, round: u32, item: u32) -> String {
    format!("hyperopt/{job_id}/round-{round}/trials-{item}.json")
}

pub fn summary_key(job_id: &str) -> String {
    format!("hyperopt/{job_id}/summary.json")
}

impl SweepJob {
    /// Write the sweep where its tasks read it (`job.json`): what a sweep's starter does before it starts the
    /// workflow.
    pub async fn store(&self, results: &dyn ObjectStore) -> Result<(), StoreError> {
        write_json(results, &job_key(&self.job_id), &self.job_id, self).await
    }
}

/// The JSON object at `key`.
pub async fn read_json<T: for<'de> Deserialize<'de>>(
    results: &dyn ObjectStore,
    key: &str,
) -> Result<T, StoreError> {
    let object = results.get(key).await.map_err(|e| match e {
        DomainError::NotFound { .. } => StoreError::NotFound(key.to_owned()),
        other => StoreError::Unavailable(other.to_string()),
    })?;
    serde_json::from_slice(&object.body).map_err(|e| StoreError::Invalid(key.into(), e.to_string()))
}

/// Write `value` as JSON at `key`, tagged with its job.
pub async fn write_json<T: Serialize>(
    results: &dyn ObjectStore,
    key: &str,
    job_id: &str,
    value: &T,
) -> Result<(), StoreError> {
    let body =
        serde_json::to_vec(value).map_err(|e| StoreError::Invalid(key.into(), e.to_string()))?;
    let object = StoredObject {
        body,
        content_type: "application/json".into(),
        metadata: BTreeMap::from([("job-id".to_owned(), job_id.to_owned())]),
    };
    results
        .put(key, object)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

/// The round a `trials-<item>.json` key belongs to.
fn round_of(key: &str) -> Option<u32> {
    key.split("/round-").nth(1)?.split('/').next()?.parse().ok()
}

/// Every stored trial of sweep `job_id` in rounds before `before` (all of them for `None`), by trial number.
pub async fn stored_trials(
    results: &dyn ObjectStore,
    job_id: &str,
    before: Option<u32>,
) -> Result<Vec<Trial>, StoreError> {
    let keys = results
        .list(&format!("hyperopt/{job_id}/round-"))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let mut trials = Vec::new();
    for key in keys.iter().filter(|k| k.contains("/trials-")) {
        if before.is_none_or(|r| round_of(key).is_some_and(|o| o < r)) {
            trials.extend(read_json::<Vec<Trial>>(results, key).await?);
        }
    }
    trials.sort_by_key(|t| t.number);
    Ok(trials)
}

/// The best complete trial (the first of equals) of `trials`.
pub fn best(trials: &[Trial]) -> Option<&Trial> {
    trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some())
        .fold(None::<&Trial>, |best, t| match best {
            Some(b) if b.value >= t.value => Some(b),
            _ => Some(t),
        })
}

impl Summary {
    /// The summary of sweep `job_id`'s `trials`.
    pub fn of(job_id: &str, trials: Vec<Trial>) -> Summary {
        let mut states = BTreeMap::new();
        for trial in &trials {
            *states.entry(trial.state.name().to_owned()).or_insert(0) += 1;
        }
        Summary {
            job_id: job_id.to_owned(),
            states,
            best: best(&trials).cloned(),
            trials,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trials_key_names_its_round() {
        assert_eq!(round_of(&trials_key("j", 12, 3)), Some(12));
        assert_eq!(round_of("hyperopt/j/job.json"), None);
    }

    #[test]
    fn a_state_is_named_as_json_writes_it() {
        use TrialState::*;
        for state in [Complete, Pruned, Rejected, Invalid, Failed] {
            assert_eq!(serde_json::to_value(&state).ok(), Some(state.name().into()));
        }
        use crate::Objective::*;
        for objective in [Sharpe, Sortino, ProfitTotal, Calmar] {
            assert_eq!(
                serde_json::to_value(objective).ok(),
                Some(objective.name().into())
            );
        }
    }
}
