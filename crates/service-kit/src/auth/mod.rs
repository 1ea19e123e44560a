//! Authentication: Cognito JWT verification and the axum extractor that requires it.

mod jwks;
mod verify;

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

pub use jwks::{Jwks, JwksError};
pub use tradai_config::Permission;
pub use verify::{cognito_issuer, Principal, Roles, TokenError, Verifier, LEEWAY_SECONDS};

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
        let principal = verifier.verify(token.trim()).await.map_err(|e| match e {
            // The keys could not be fetched: the identity provider is down, not the caller's token wrong.
            TokenError::Key(JwksError::Fetch { .. }) => {
                tracing::warn!(error = %e, "signing keys unavailable");
                ApiError::unavailable("identity provider", &e.to_string())
            }
            e => {
                tracing::info!(error = %e, "token rejected");
                ApiError::invalid_token(&e.to_string())
            }
        })?;
        Ok(Authenticated(principal))
    }
}

/// What a route requires: one [`Permission`], named by a marker type so the route's signature says it.
pub trait Need: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// The marker types of [`Need`], one per permission.
pub mod need {
    use super::{Need, Permission};

    macro_rules! needs {
        ($($(#[$doc:meta])* $marker:ident => $permission:ident),* $(,)?) => {$(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $marker;
            impl Need for $marker {
                const PERMISSION: Permission = Permission::$permission;
            }
        )*};
    }

    needs! {
        /// `read`.
        Read => Read,
        /// `backtests.submit`.
        SubmitBacktests => SubmitBacktests,
        /// `backtests.cancel`.
        CancelBacktests => CancelBacktests,
        /// `data.sync`.
        SyncData => SyncData,
        /// `configs.write`.
        WriteConfigs => WriteConfigs,
        /// `configs.activate`.
        ActivateConfigs => ActivateConfigs,
        /// `models.promote`.
        PromoteModels => PromoteModels,
        /// `models.rollback`.
        RollbackModels => RollbackModels,
        /// `trading.dry-run` (live trading also needs `trading.live`, checked on the request's mode).
        DryRunTrading => DryRunTrading,
    }
}

/// A request whose caller holds `N`'s permission: a 401 without a valid token, a 403 naming the permission
/// otherwise. Take it as the handler's first argument so it is checked before the body is read.
#[derive(Debug, Clone)]
pub struct Authorized<N: Need>(pub Principal, pub PhantomData<N>);

impl<N: Need> Authorized<N> {
    /// The caller.
    pub fn principal(&self) -> &Principal {
        &self.0
    }
}

impl<S, N> FromRequestParts<S> for Authorized<N>
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
    N: Need,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Authenticated(principal) = Authenticated::from_request_parts(parts, state).await?;
        principal.require(N::PERMISSION)?;
        Ok(Authorized(principal, PhantomData))
    }
}
