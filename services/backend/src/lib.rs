//! `tradai-backend`: the backend service on :8000 (reference §7.1). A library (router + state) and a thin
//! binary; the state holds ports, so the same router runs on in-memory adapters or AWS ones.
//!
//! Built so far (issue 6): backtest submission (validated, idempotent, handed to an executor), listing by
//! status, lookup and cancellation, behind Cognito JWT auth, with health and OpenAPI.

pub mod adapters;
pub mod executor;
mod idempotency;
pub mod request;
mod routes;
mod state;
pub mod view;

pub use routes::proxy::StrategyService;
pub use routes::{openapi, router};
pub use state::{AppState, Operations};

use tradai_domain::DomainError;
use tradai_service_kit::{ApiError, ValidationCode};

/// The API error for a domain error (failures of external services become 503).
pub fn domain_error(error: DomainError) -> ApiError {
    match error {
        DomainError::Validation { field, message } => {
            ApiError::validation(ValidationCode::OutOfRange, &field, message, "a valid value")
        }
        DomainError::NotFound { entity, id } => ApiError::not_found(entity, &id),
        DomainError::Conflict(message) => ApiError::conflict(message, serde_json::Value::Null),
        DomainError::External {
            service, message, ..
        } => ApiError::unavailable(&service, &message),
        DomainError::Configuration(message) => {
            tracing::error!(%message, "configuration error");
            ApiError::internal()
        }
    }
}
