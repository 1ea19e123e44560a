//! `tradai-service-kit`: what the backend, strategy and data-collection services share (DESIGN §4): the JSON
//! error body, the common HTTP layers (correlation id, tracing, timeouts, CORS, compression), the health
//! document, the OpenAPI/Swagger routes, Cognito JWT verification, and serving with graceful shutdown.

pub mod auth;
mod body;
pub mod correlation;
pub mod docs;
mod error;
pub mod fields;
pub mod health;
pub mod http;
#[cfg(feature = "issuer")]
pub mod issuer;
pub mod probe;
mod serve;
pub mod shed;
pub mod startup;
pub mod streams;
#[cfg(feature = "testing")]
pub mod testing;

pub use body::{BodyLimit, JsonBody, QueryParams, RawBody};
pub use error::{ApiError, ValidationCode};
pub use serve::{init_logging, serve, serve_until, shutdown_signal};
