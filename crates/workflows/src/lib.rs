//! `tradai-workflows`: Step Functions definitions built from typed Rust, never from string templates.
//!
//! [`asl`] is the typed subset of the Amazon States Language the platform uses; [`validate`] checks a machine
//! (every `Next`/`Default`/`Catch` target exists, every state is reachable, a terminal is reachable from every
//! state); [`backtest`] and [`retraining`] are the two workflows of reference §11, parameterised by the
//! [`Targets`] they call, so the compute stack embeds them with real ARNs and the local executor runs the same
//! definition in-process.

pub mod asl;
mod asl_parse;
mod backtest;
mod hyperopt;
pub mod local;
pub mod map;
mod retraining;
pub mod sample;
mod targets;
mod tasks;
pub mod validate;

pub use asl::{Catch, Condition, Retry, State, StateMachine, Transition};
pub use asl_parse::AslError;
pub use backtest::backtest;
pub use hyperopt::hyperopt;
pub use map::{MapState, S3_GET_OBJECT, S3_PUT_OBJECT};
pub use retraining::retraining;
pub use targets::{Capacity, Targets};
pub use tasks::{
    catch_all, invoke, lambda_retry, DYNAMODB_UPDATE_ITEM, ECS_RUN_TASK_SYNC, LAMBDA_INVOKE,
    TRANSIENT_ERRORS,
};
pub use validate::{validate, Invalid};

/// Build the workflow `key` of the config (`backtest`, `retraining` or `hyperopt`); `None` for a key with no
/// definition (or a hyperopt spec without its `map`, which the config's check refuses).
pub fn definition(
    key: &str,
    spec: &tradai_config::WorkflowSpec,
    targets: &Targets,
) -> Option<StateMachine> {
    match key {
        "backtest" => Some(backtest(spec, targets)),
        "retraining" => Some(retraining(spec, targets)),
        "hyperopt" => hyperopt(spec, targets),
        _ => None,
    }
}

/// The workflow keys this crate defines.
pub const WORKFLOWS: [&str; 3] = ["backtest", "retraining", "hyperopt"];
