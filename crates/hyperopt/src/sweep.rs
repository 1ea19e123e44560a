//! A sweep on one machine (decision H3): trials in rounds of one per worker, each round's points asked of the
//! sampler before it runs and told back in trial order after, so a seed gives the same trials whatever the
//! threads' timing. The candles are loaded once and shared by every worker. A trial runs the range as
//! consecutive walk-forward folds; after each fold the median pruner compares its running objective with the
//! finished trials' at the same fold. Cancelling stops starting trials and folds, and keeps what finished.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tradai_backtest::{backtest, Market, Metrics, Settings, Window};
use tradai_domain::entities::{apply, Point, SearchSpace, StrategyConfig};

use crate::objective::{Constraints, Objective};
use crate::rounds::Rounds;
use crate::sampler::SamplerKind;

/// Most trials in one sweep.
pub const MAX_TRIALS: u32 = 100_000;
/// Most walk-forward folds.
pub const MAX_FOLDS: u32 = 20;
/// Trials that finish before the median pruner starts judging (Optuna's `n_startup_trials`).
pub const PRUNER_STARTUP: usize = 5;

/// What to sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub objective: Objective,
    pub sampler: SamplerKind,
    pub trials: u32,
    pub seed: u64,
    #[serde(default)]
    pub constraints: Constraints,
    /// Consecutive parts of the range a trial runs one after another, pruned between them (1: no pruning).
    #[serde(default = "one")]
    pub folds: u32,
    /// Trials asked of the sampler at once, then told together (decision H3). It decides the trials, so a seed
    /// gives the same sweep on one machine and in the cloud whatever runs them in parallel.
    #[serde(default = "default_round")]
    pub round_size: u32,
}

fn one() -> u32 {
    1
}

/// The round size when a spec gives none.
pub const DEFAULT_ROUND: u32 = 16;
/// The largest round.
pub const MAX_ROUND: u32 = 1000;

fn default_round() -> u32 {
    DEFAULT_ROUND
}

impl Spec {
    /// `trials` trials of `sampler` seeded with `seed`, maximising the sharpe ratio, without constraints, on
    /// one fold, in rounds of the default size. Set the rest with struct update syntax.
    pub fn new(sampler: SamplerKind, trials: u32, seed: u64) -> Spec {
        Spec {
            objective: Objective::default(),
            sampler,
            trials,
            seed,
            constraints: Constraints::default(),
            folds: 1,
            round_size: DEFAULT_ROUND,
        }
    }

    /// Every broken rule, with its field.
    pub fn check(&self) -> Vec<(String, String)> {
        let mut out = self.constraints.check();
        if !(1..=MAX_TRIALS).contains(&self.trials) {
            out.push((
                "trials".into(),
                format!("{} is not from 1 to {MAX_TRIALS}", self.trials),
            ));
        }
        if !(1..=MAX_ROUND).contains(&self.round_size) {
            out.push((
                "round_size".into(),
                format!("{} is not from 1 to {MAX_ROUND}", self.round_size),
            ));
        }
        if !(1..=MAX_FOLDS).contains(&self.folds) {
            out.push((
                "folds".into(),
                format!("{} is not from 1 to {MAX_FOLDS}", self.folds),
            ));
        }
        out
    }
}

/// How a trial ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    /// Every fold ran and the constraints hold.
    Complete,
    /// Stopped after a fold whose running objective was below the median.
    Pruned,
    /// Every fold ran but a constraint was missed.
    Rejected,
    /// The parameters make no valid strategy (a fast window not shorter than the slow one).
    Invalid,
    /// The backtest refused to run.
    Failed,
}

impl TrialState {
    /// Its name as JSON writes it.
    pub fn name(&self) -> &'static str {
        match self {
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Rejected => "rejected",
            TrialState::Invalid => "invalid",
            TrialState::Failed => "failed",
        }
    }
}

/// One trial of a sweep (stored as JSON between the cloud's rounds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trial {
    pub number: u32,
    pub params: Point,
    pub state: TrialState,
    /// The objective: the mean over the folds that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The objective of each fold that ran.
    pub folds: Vec<f64>,
    pub trades: usize,
    /// The largest drawdown of any fold.
    pub max_drawdown: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a sweep leaves: every trial that finished, in trial order, and the best complete one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub trials: Vec<Trial>,
    /// Index into `trials`.
    pub best: Option<usize>,
    pub cancelled: bool,
}

/// Why a sweep cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

fn invalid(field: &str, message: String) -> SweepError {
    SweepError::Invalid {
        field: field.to_owned(),
        message,
    }
}

/// The folds of `window`: `count` consecutive parts of equal time.
fn folds(window: Window, count: u32) -> Vec<Window> {
    let width = (window.end - window.start) / i64::from(count);
    (0..i64::from(count))
        .map(|k| Window {
            start: window.start + k * width,
            end: if k + 1 == i64::from(count) {
                window.end
            } else {
                window.start + (k + 1) * width
            },
        })
        .collect()
}

/// The running objectives of finished trials by fold, for the median pruner.
#[derive(Debug, Default)]
struct Pruner {
    by_fold: Vec<Vec<f64>>,
}

impl Pruner {
    /// Whether a running objective of `value` after fold `k` is below the median of the finished trials'.
    fn prunes(&self, k: usize, value: f64) -> bool {
        let Some(seen) = self.by_fold.get(k).filter(|s| s.len() >= PRUNER_STARTUP) else {
            return false;
        };
        let mut sorted = seen.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        value < median
    }

    fn record(&mut self, trial: &Trial) {
        let mut sum = 0.0;
        for (k, v) in trial.folds.iter().enumerate() {
            sum += v;
            if self.by_fold.len() <= k {
                self.by_fold.push(Vec::new());
            }
            self.by_fold[k].push(sum / (k + 1) as f64);
        }
    }
}

/// The shared, read-only part of a sweep.
struct Context<'a> {
    base: &'a StrategyConfig,
    markets: &'a [Market<'a>],
    folds: Vec<Window>,
    spec: &'a Spec,
    settings: Settings,
    cancel: &'a AtomicBool,
}

impl Context<'_> {
    /// Trial `number` at `point`, judged by the pruner as it stood when its round began.
    fn run(&self, number: u32, point: &Point, pruner: &Pruner) -> Option<Trial> {
        let mut trial = Trial {
            number,
            params: point.clone(),
            state: TrialState::Complete,
            value: None,
            folds: Vec::new(),
            trades: 0,
            max_drawdown: 0.0,
            reason: None,
        };
        // A trial is a concrete strategy: without the space, whose check puts every range end into the
        // config and costs about 0.1 ms, twice per trial (here and in the engine).
        let config = match apply(self.base, point) {
            Ok(config) => StrategyConfig {
                search_space: SearchSpace::default(),
                ..config
            },
            Err(reason) => return Some(trial.ended(TrialState::Invalid, reason)),
        };
        if let Some(issue) = config.check().into_iter().next() {
            let reason = format!("{}: {}", issue.field, issue.message);
            return Some(trial.ended(TrialState::Invalid, reason));
        }
        for (k, window) in self.folds.iter().enumerate() {
            if self.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let metrics: Metrics = match backtest(&config, self.markets, *window, &self.settings) {
                Ok(portfolio) => portfolio.metrics,
                Err(e) => return Some(trial.ended(TrialState::Failed, e.to_string())),
            };
            trial.folds.push(self.spec.objective.of(&metrics));
            trial.trades += metrics.trade_count;
            trial.max_drawdown = trial.max_drawdown.max(metrics.max_drawdown);
            let running = trial.folds.iter().sum::<f64>() / trial.folds.len() as f64;
            trial.value = Some(running);
            if k + 1 < self.folds.len() && pruner.prunes(k, running) {
                return Some(trial.ended(
                    TrialState::Pruned,
                    format!("below the median after fold {}", k + 1),
                ));
            }
        }
        if let Some(reason) = self
            .spec
            .constraints
            .missed(trial.trades, trial.max_drawdown)
        {
            return Some(trial.ended(TrialState::Rejected, reason));
        }
        Some(trial)
    }
}

impl Trial {
    fn ended(mut self, state: TrialState, reason: String) -> Trial {
        self.state = state;
        self.reason = Some(reason);
        self
    }

    /// What the sampler is told: the negated objective, or `penalty` for a trial without one.
    pub(crate) fn loss(&self, penalty: f64) -> f64 {
        match (&self.state, self.value) {
            (TrialState::Complete | TrialState::Pruned, Some(v)) => -v,
            _ => penalty,
        }
    }
}

/// Why `base` and `spec` cannot be swept, if they cannot.
pub(crate) fn check_inputs(base: &StrategyConfig, spec: &Spec) -> Result<(), SweepError> {
    if let Some((field, message)) = spec.check().into_iter().next() {
        return Err(invalid(&field, message));
    }
    if let Some(issue) = base.check().into_iter().next() {
        return Err(invalid(&format!("strategy.{}", issue.field), issue.message));
    }
    if base.search_space.is_empty() {
        return Err(invalid(
            "strategy.search_space",
            "the strategy declares no search space".into(),
        ));
    }
    Ok(())
}

pub(crate) fn sampler_error(message: String) -> SweepError {
    invalid("sampler", message)
}

/// Run `points` (trial numbers and values) on `markets` within `window`, with `workers` threads, the median
/// pruner judging by the `earlier` trials: what one item of the cloud's Map does. The trials that finished,
/// in the points' order (a cancelled one is left out).
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    base: &StrategyConfig,
    spec: &Spec,
    markets: &[Market],
    window: Window,
    points: &[(u32, Point)],
    earlier: &[Trial],
    workers: usize,
    cancel: &AtomicBool,
) -> Vec<Trial> {
    let context = Context {
        base,
        markets,
        folds: folds(window, spec.folds),
        spec,
        settings: Settings::default(),
        cancel,
    };
    let mut pruner = Pruner::default();
    for trial in earlier {
        pruner.record(trial);
    }
    run_round(&context, points, &pruner, workers.max(1))
        .into_iter()
        .flatten()
        .collect()
}

/// Sweep `spec` over `base`'s search space on `markets` within `window`, with `workers` threads (at least 1):
/// rounds of `spec.round_size` trials asked, evaluated and told. `progress` sees each trial as its round
/// finishes, with the best so far; `cancel` stops the sweep.
pub fn sweep(
    base: &StrategyConfig,
    spec: &Spec,
    markets: &[Market],
    window: Window,
    workers: usize,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&Trial, Option<&Trial>),
) -> Result<Outcome, SweepError> {
    let mut rounds = Rounds::new(base, spec)?;
    let mut trials = Vec::<Trial>::new();
    let mut best: Option<usize> = None;
    while !cancel.load(Ordering::Relaxed) {
        let points = rounds.ask();
        if points.is_empty() {
            break;
        }
        let done = evaluate(
            base, spec, markets, window, &points, &trials, workers, cancel,
        );
        rounds.tell(&done);
        for trial in done {
            if trial.state == TrialState::Complete
                && best.is_none_or(|b| trial.value > trials[b].value)
            {
                best = Some(trials.len());
            }
            trials.push(trial);
            progress(trials.last().expect("pushed"), best.map(|b| &trials[b]));
        }
    }
    Ok(Outcome {
        trials,
        best,
        cancelled: cancel.load(Ordering::Relaxed),
    })
}

/// The round's trials on up to `workers` threads, in the round's order (`None`: cancelled before it ended).
fn run_round(
    context: &Context,
    round: &[(u32, Point)],
    pruner: &Pruner,
    workers: usize,
) -> Vec<Option<Trial>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Trial>>> = Mutex::new(vec![None; round.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(round.len()) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some((number, point)) = round.get(k) else {
                    break;
                };
                let trial = context.run(*number, point, pruner);
                results.lock().unwrap_or_else(|e| e.into_inner())[k] = trial;
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}
