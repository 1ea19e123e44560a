//! `tradai-service-kit`: what the backend, strategy and data-collection services share (DESIGN §4): the JSON
//! error body, the common HTTP layers (correlation id, tracing, timeouts, CORS, compression), the health
//! document, Cognito JWT verification, and serving with graceful shutdown.

pub mod auth;
mod error;

pub use error::{ApiError, ValidationCode};
