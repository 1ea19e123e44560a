//! `tradai-hyperopt`: hyperparameter sweeps over a strategy's declared search space (issue 19): the samplers,
//! the objective and its constraints, and the sweep on one machine.

pub mod objective;
pub mod rounds;
pub mod sample;
pub mod sampler;
pub mod store;
pub mod sweep;

pub use objective::{Constraints, Objective};
pub use rounds::Rounds;
pub use sampler::{Candidate, Sampler, SamplerKind};
pub use store::{Item, StoreError, Summary, SweepJob};
pub use sweep::{evaluate, sweep, Outcome, Spec, SweepError, Trial, TrialState};
