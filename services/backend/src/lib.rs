//! `tradai-backend`: the backend service on :8000 (reference §7.1). A library (router + state) and a thin
//! binary; the state holds ports, so the same router runs on in-memory adapters or AWS ones.
//!
//! Built so far (issue 6): backtest submission (validated, idempotent, handed to an executor), listing by
//! status, lookup and cancellation, behind Cognito JWT auth, with health and OpenAPI.

pub mod adapters;
pub mod executor;
mod idempotency;
pub mod local_workflow;
pub mod request;
mod routes;
mod state;
pub mod view;

pub use routes::proxy::StrategyService;
pub use routes::{openapi, router};
pub use state::{AppState, Operations};
