//! Samplers (decision H2): random, grid and TPE, each seeded and reproducible. Every parameter is sampled in
//! an internal coordinate: an integer's index of its step, a float's value (its logarithm when log-scaled), a
//! category's index. TPE is the `tpe` crate's univariate estimator per parameter, as Optuna's default
//! (independent) TPE sampler is; it minimises a loss, so a sweep tells it the negated objective.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tpe::density_estimation::DefaultEstimatorBuilder;
use tpe::TpeOptimizer;
use tradai_domain::entities::{Parameter, Point, SearchSpace};

/// Points a float range is cut into for a grid.
pub const GRID_FLOAT_POINTS: usize = 10;
/// Most points a grid may have.
pub const MAX_GRID: usize = 1_000_000;

/// Which sampler a sweep uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplerKind {
    Random,
    Grid,
    /// Tree-structured Parzen estimator (Optuna's default).
    #[default]
    Tpe,
}

/// One parameter's internal coordinate.
#[derive(Debug, Clone)]
enum Axis {
    /// Index `0..=n` of `low + index · step`.
    Int {
        low: i64,
        step: i64,
        n: i64,
    },
    Float {
        low: f64,
        high: f64,
        log: bool,
    },
    Categorical(Vec<Value>),
}

impl Axis {
    fn of(parameter: &Parameter) -> Axis {
        match parameter {
            Parameter::Int { low, high, step } => Axis::Int {
                low: *low,
                step: *step,
                // A step below 1 leaves the range empty, refused by `Sampler::new`.
                n: if *step > 0 {
                    high.saturating_sub(*low) / step
                } else {
                    -1
                },
            },
            Parameter::Float { low, high, log } => Axis::Float {
                low: if *log { low.ln() } else { *low },
                high: if *log { high.ln() } else { *high },
                log: *log,
            },
            Parameter::Categorical { choices } => Axis::Categorical(choices.clone()),
        }
    }

    /// The internal range `[start, end)` TPE and the random sampler draw from.
    fn range(&self) -> (f64, f64) {
        match self {
            Axis::Int { n, .. } => (-0.5, *n as f64 + 0.5),
            Axis::Float { low, high, .. } => (*low, *high),
            Axis::Categorical(choices) => (0.0, choices.len() as f64),
        }
    }

    /// The parameter's value at internal coordinate `x` (an integer's and a category's rounded down into range).
    fn value(&self, x: f64) -> Value {
        match self {
            Axis::Int { low, step, n } => {
                let index = (x.round() as i64).clamp(0, *n);
                (low + index * step).into()
            }
            Axis::Float { low, high, log } => {
                let x = x.clamp(*low, *high);
                Value::from(if *log { x.exp() } else { x })
            }
            Axis::Categorical(choices) => {
                choices[(x.floor().max(0.0) as usize).min(choices.len() - 1)].clone()
            }
        }
    }

    /// The grid's internal coordinates.
    fn grid(&self) -> Vec<f64> {
        match self {
            Axis::Int { n, .. } => (0..=*n).map(|i| i as f64).collect(),
            Axis::Float { low, high, .. } => (0..GRID_FLOAT_POINTS)
                .map(|i| low + (high - low) * i as f64 / (GRID_FLOAT_POINTS - 1) as f64)
                .collect(),
            Axis::Categorical(choices) => (0..choices.len()).map(|i| i as f64).collect(),
        }
    }
}

/// A sampled point and its internal coordinates (what the sampler is told back).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub point: Point,
    coordinates: Vec<f64>,
}

enum State {
    Random,
    /// The grid's points in a seeded random order, and the next one.
    Grid(Vec<Vec<f64>>, usize),
    Tpe(Vec<TpeOptimizer<DefaultEstimatorBuilder>>),
}

/// A seeded sampler over one search space.
pub struct Sampler {
    names: Vec<String>,
    axes: Vec<Axis>,
    rng: StdRng,
    state: State,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler")
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl Sampler {
    /// A sampler of `kind` over `space` (checked already), seeded with `seed`.
    pub fn new(kind: SamplerKind, space: &SearchSpace, seed: u64) -> Result<Sampler, String> {
        let names: Vec<String> = space.0.keys().cloned().collect();
        let axes: Vec<Axis> = space.0.values().map(Axis::of).collect();
        // A space the config's check passed never has an empty range; one built otherwise is refused here.
        if let Some((name, _)) = names.iter().zip(&axes).find(|(_, axis)| {
            let (start, end) = axis.range();
            !(start.is_finite() && end.is_finite() && start < end)
        }) {
            return Err(format!("search_space.{name}: the range is empty"));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let state = match kind {
            SamplerKind::Random => State::Random,
            SamplerKind::Grid => {
                let mut points = grid(&axes)?;
                points.shuffle(&mut rng);
                State::Grid(points, 0)
            }
            SamplerKind::Tpe => State::Tpe(
                axes.iter()
                    .map(|axis| {
                        let (start, end) = axis.range();
                        let range = tpe::range(start, end).map_err(|e| e.to_string())?;
                        let estimator = match axis {
                            Axis::Categorical(_) => tpe::histogram_estimator(),
                            _ => tpe::parzen_estimator(),
                        };
                        Ok(TpeOptimizer::new(estimator, range))
                    })
                    .collect::<Result<_, String>>()?,
            ),
        };
        Ok(Sampler {
            names,
            axes,
            rng,
            state,
        })
    }

    /// How many points the sampler can give (a grid's size), if bounded.
    pub fn size(&self) -> Option<usize> {
        match &self.state {
            State::Grid(points, _) => Some(points.len()),
            _ => None,
        }
    }

    /// The next point, or `None` once a grid is exhausted.
    pub fn ask(&mut self) -> Option<Candidate> {
        let coordinates: Vec<f64> = match &mut self.state {
            State::Random => self
                .axes
                .iter()
                .map(|axis| {
                    let (start, end) = axis.range();
                    self.rng.random_range(start..end)
                })
                .collect(),
            State::Grid(points, next) => {
                let point = points.get(*next)?.clone();
                *next += 1;
                point
            }
            State::Tpe(optimizers) => optimizers
                .iter_mut()
                .map(|o| o.ask(&mut self.rng).expect("a TPE range is never empty"))
                .collect(),
        };
        let point = self
            .names
            .iter()
            .zip(&self.axes)
            .zip(&coordinates)
            .map(|((name, axis), x)| (name.clone(), axis.value(*x)))
            .collect();
        Some(Candidate { point, coordinates })
    }

    /// The loss (lower is better; finite) of a candidate this sampler gave.
    pub fn tell(&mut self, candidate: &Candidate, loss: f64) {
        if let State::Tpe(optimizers) = &mut self.state {
            for (optimizer, x) in optimizers.iter_mut().zip(&candidate.coordinates) {
                // The coordinate came from this optimizer's range, and the loss is finite.
                let _ = optimizer.tell(*x, loss);
            }
        }
    }
}

/// Every point of the axes' grids.
fn grid(axes: &[Axis]) -> Result<Vec<Vec<f64>>, String> {
    let sides: Vec<Vec<f64>> = axes.iter().map(Axis::grid).collect();
    let size = sides
        .iter()
        .try_fold(1usize, |n, side| n.checked_mul(side.len()))
        .filter(|n| *n <= MAX_GRID)
        .ok_or_else(|| format!("the grid has more than {MAX_GRID} points"))?;
    let mut points = Vec::with_capacity(size);
    for mut k in 0..size {
        let mut point = Vec::with_capacity(sides.len());
        for side in &sides {
            point.push(side[k % side.len()]);
            k /= side.len();
        }
        points.push(point);
    }
    Ok(points)
}
