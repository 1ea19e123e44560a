//! `tradai-strategy`: the strategy service on :8003 (reference §7.2). A library (router + state) and a thin
//! binary: strategy configs (list, get, validate, merge) stored in the configs bucket, and the model registry
//! (MLflow lookups, versions, stage / promote / register, rollback) through the model-registry port, and
//! hyperopt sweeps run as the config's hyperopt workflow.

pub mod routes;
pub mod settings;
mod state;
pub mod sweeps;

pub use routes::{configs, models, openapi, router};
pub use state::{seed_samples, AppState, SAMPLES};
