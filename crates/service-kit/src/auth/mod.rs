//! Authentication: Cognito JWT verification and the axum extractor that requires it.

mod jwks;
mod verify;

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

pub use jwks::{Jwks, JwksError};
pub use verify::{cognito_issuer, Principal, TokenError, Verifier, LEEWAY_SECONDS};

/// Scope machine clients need to read (the Cognito resource server `tradai-api`, config `m2m_scopes`).
pub const READ_SCOPE: &str = "tradai-api/backtests.read";
/// Scope machine clients need to change anything.
pub const WRITE_SCOPE: &str = "tradai-api/backtests.write";

use crate::ApiError;

/// A request with a valid bearer token; handlers that take it are closed to anonymous callers.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(ApiError::missing_token)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(ApiError::missing_token)?;
        let principal = verifier.verify(token.trim()).await.map_err(|e| {
            tracing::info!(error = %e, "token rejected");
            ApiError::invalid_token(&e.to_string())
        })?;
        Ok(Authenticated(principal))
    }
}
