//! `tradai-local-executor`: the `local` executor (reference §6.3) and the in-process workflows behind it. The
//! backtest and retraining definitions the cloud runs are interpreted here (`tradai_workflows::local`), their
//! Lambda tasks answered by the Rust handlers, their ECS tasks by the runner and their DynamoDB task by the
//! retraining-state store, all over the platform's [`Ports`]. The backend binary and `tradai local up` both
//! use it, so no service depends on another.

mod executor;
mod integrations;
mod sweeps;
mod workflow;

pub use executor::{concurrency, executor, LocalExecutor};
pub use integrations::LocalIntegrations;
pub use sweeps::LocalSweeps;
pub use workflow::LocalWorkflow;

pub use tradai_platform::{ExecutorKind, Platform, Ports};
