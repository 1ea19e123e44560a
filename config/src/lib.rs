//! `tradai-config`: the typed canonical config of TradAI-rs, the single source of truth for every name, size,
//! port, key and schedule that the stacks and services use.
//!
//! Layers: built-in defaults → `environments/base.toml` → `environments/<env>.toml` → `TRADAI_<SECTION>__<KEY>`
//! environment variables. [`Loader::load`] returns a [`Config`] only when every rule holds, and otherwise every
//! problem at once. [`diff`] and [`promote`] move values between environments without touching immutable keys.

pub mod access;
mod cidr;
mod config;
mod defaults;
mod environment;
mod envref;
mod fargate;
mod functions;
pub mod images;
mod layer;
mod loader;
pub mod metrics;
mod model;
mod naming;
mod problem;
pub mod promote;
mod schedule;
mod sources;
mod structure;
mod validate;
pub mod variables;

pub use cidr::{CidrError, Ipv4Cidr};
pub use config::{Config, EcrRepository, RepositoryKind, Resolved, ResolvedNames};
pub use environment::{Environment, UnknownEnvironment};
pub use envref::{EnvValue, DEPLOY_OUTPUTS};
pub use functions::{Function, UnknownFunction};
pub use layer::{Layer, StackNameError};
pub use loader::{overriding_variables, ConfigError, Loader};
pub use model::*;
pub use naming::{
    BucketName, FunctionName, Names, QueueName, RepositoryName, StateMachineName, TableName,
    TopicName,
};
pub use problem::{Problem, Problems};
pub use promote::{diff, ConfigDiff, DiffEntry, KeyClass};
pub use schedule::{ScheduleError, ScheduleExpression};
pub use sources::{ConfigDir, WORKSPACE_CONFIG_DIR};
pub use variables::{Declared, Deployed, SettingsError, Shape, Variable};

/// The JSON schema of the config files (unknown keys are errors; `Option` fields may be left out).
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(Settings)
}

/// Load `env` from the discovered config directory (see [`Loader::discover`]).
pub fn load(env: Environment) -> Result<Config, ConfigError> {
    Loader::discover().load(env)
}
