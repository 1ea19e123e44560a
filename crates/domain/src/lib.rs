//! `tradai-domain`: the entities, lifecycles, errors, resilience policy and ports of TradAI-rs. Adapters (AWS and
//! in-memory) implement the ports; services and lambdas depend on the ports only.

pub mod bounds;
pub mod entities;
mod error;
pub mod ports;
pub mod promotion;
pub mod resilience;
pub mod status;

pub use error::{DomainError, ExternalKind, Result};
pub use status::{
    ConfigVersionStatus, InvalidTransition, JobStatus, Lifecycle, ModelStage, RetrainingStatus,
    TradingStatus,
};
