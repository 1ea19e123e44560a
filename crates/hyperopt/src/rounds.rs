//! The sampler's side of a sweep (decision H3): a round's points asked at once, and the round's trials told
//! back in trial order. The cloud's planner task is stateless: [`Rounds::replay`] re-creates the sampler from
//! the seed and the earlier rounds' stored trials, which asks exactly the points the live sampler asked.

use tradai_domain::entities::{Point, StrategyConfig};

use crate::sampler::{Candidate, Sampler};
use crate::sweep::{check_inputs, sampler_error, Spec, SweepError, Trial};

/// A sweep's sampler, its rounds and the penalty for trials without an objective.
#[derive(Debug)]
pub struct Rounds {
    sampler: Sampler,
    /// Worse than any objective seen: told for a trial that has none.
    penalty: f64,
    asked: u32,
    trials: u32,
    round_size: u32,
    pending: Vec<(u32, Candidate)>,
}

impl Rounds {
    /// The rounds of `spec` over `base`'s search space (both checked here).
    pub fn new(base: &StrategyConfig, spec: &Spec) -> Result<Rounds, SweepError> {
        check_inputs(base, spec)?;
        Ok(Rounds {
            sampler: Sampler::new(spec.sampler, &base.search_space, spec.seed)
                .map_err(sampler_error)?,
            penalty: 1.0,
            asked: 0,
            trials: spec.trials,
            round_size: spec.round_size,
            pending: Vec::new(),
        })
    }

    /// The next round's trial numbers and points; empty once every trial was asked (or a grid ran out).
    pub fn ask(&mut self) -> Vec<(u32, Point)> {
        let room = self.trials.saturating_sub(self.asked).min(self.round_size);
        self.pending.clear();
        for _ in 0..room {
            let Some(candidate) = self.sampler.ask() else {
                break;
            };
            self.pending.push((self.asked, candidate));
            self.asked += 1;
        }
        self.pending
            .iter()
            .map(|(n, c)| (*n, c.point.clone()))
            .collect()
    }

    /// Tell the round last asked: each of its trials by number, in trial order; a trial missing from
    /// `trials` (cancelled, or a failed task) is told the penalty.
    pub fn tell(&mut self, trials: &[Trial]) {
        for (number, candidate) in std::mem::take(&mut self.pending) {
            let trial = trials.iter().find(|t| t.number == number);
            if let Some(v) = trial.and_then(|t| t.value) {
                self.penalty = self.penalty.max(v.abs() + 1.0);
            }
            let loss = trial.map_or(self.penalty, |t| t.loss(self.penalty));
            self.sampler.tell(&candidate, loss);
        }
    }

    /// Round `round`'s points (0 first), the earlier rounds replayed with their stored `earlier` trials.
    pub fn replay(
        base: &StrategyConfig,
        spec: &Spec,
        earlier: &[Trial],
        round: u32,
    ) -> Result<Vec<(u32, Point)>, SweepError> {
        let mut rounds = Rounds::new(base, spec)?;
        for _ in 0..round {
            if rounds.ask().is_empty() {
                return Ok(Vec::new());
            }
            rounds.tell(earlier);
        }
        Ok(rounds.ask())
    }
}
