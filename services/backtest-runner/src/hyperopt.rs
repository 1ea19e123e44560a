//! The hyperopt tasks (issue 19, decision H5), each stateless over the results bucket, which is how the cloud's
//! workflow runs a sweep: a planner per round, a Map item per batch of trials, a finaliser.
//! The layout is `tradai_hyperopt::store`'s: the planner of round `r` replays the stored trials of the earlier
//! rounds and writes the round's items; each item's task runs its points over the candles and writes its
//! trials; the finaliser writes the summary with the best trial and the whole table.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tradai_domain::entities::JobError;
use tradai_hyperopt::store::{self, items_key, job_key, summary_key, trials_key, StoreError};
use tradai_hyperopt::{evaluate, Rounds};
pub use tradai_hyperopt::{Item, Summary, SweepJob};

use crate::{failure, markets, Runner};

/// A store error as a task failure (`SweepNotFound`, `InvalidSweep`, `ResultsUnavailable`).
fn stored(error: StoreError) -> JobError {
    let kind = match &error {
        StoreError::NotFound(_) => "SweepNotFound",
        StoreError::Invalid(..) => "InvalidSweep",
        StoreError::Unavailable(_) => "ResultsUnavailable",
    };
    failure(kind, error.to_string())
}

impl Runner {
    async fn read_json<T: for<'de> serde::Deserialize<'de>>(
        &self,
        key: &str,
    ) -> Result<T, JobError> {
        store::read_json(self.results.as_ref(), key)
            .await
            .map_err(stored)
    }

    async fn write_json<T: serde::Serialize>(
        &self,
        key: &str,
        job_id: &str,
        value: &T,
    ) -> Result<(), JobError> {
        store::write_json(self.results.as_ref(), key, job_id, value)
            .await
            .map_err(stored)
    }

    async fn stored_trials(
        &self,
        job_id: &str,
        round: Option<u32>,
    ) -> Result<Vec<tradai_hyperopt::Trial>, JobError> {
        store::stored_trials(self.results.as_ref(), job_id, round)
            .await
            .map_err(stored)
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

    /// Run item `item` of round `round` on `workers` threads and store its trials; once `cancel` is set, the
    /// trials that finished are stored and the rest are left out.
    pub async fn hyperopt_item(
        &self,
        job_id: &str,
        round: u32,
        item: u32,
        workers: usize,
        cancel: Arc<AtomicBool>,
    ) -> Result<Vec<tradai_hyperopt::Trial>, JobError> {
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
        let summary = Summary::of(job_id, self.stored_trials(job_id, None).await?);
        self.write_json(&summary_key(job_id), job_id, &summary)
            .await?;
        Ok(summary)
    }
}
