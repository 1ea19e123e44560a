//! `tradai-backend`: the backend service on :8000 (reference §7.1). A library (router + state) and a thin
//! binary; the state holds ports (built by the composition root, `tradai-platform`), so the same router runs on
//! in-memory adapters or AWS ones, with any executor.
//!
//! Built so far (issue 6): backtest submission (validated, idempotent, handed to an executor), listing by
//! status, lookup and cancellation, behind Cognito JWT auth, with health and OpenAPI.

mod cursor;
mod idempotency;
pub mod request;
mod routes;
pub mod settings;
mod state;
pub mod view;

pub use routes::proxy::{StrategyService, FORWARDED};
pub use routes::{openapi, router};
pub use state::{AppState, Operations};
