//! `tradai-lambdas`: the 18 Lambda handlers of reference §10, each a typed [`registry::Handler`] over the
//! platform's ports, so the same code runs in AWS Lambda, in the local workflow executor and in tests. Each
//! takes its typed event and answers with the Step Functions envelope of §10.1 (`{"statusCode": 200, "body":
//! {"success", "data", "environment"}}`) or the SQS batch response, or a [`HandlerError`] whose name Step
//! Functions' Retry and Catch match on. [`registry::build`] makes a function's handler; `runtime` serves it
//! (`tradai-lambda <handler>`).

/// `Debug` for a handler struct showing only its plain `field`s (its ports are trait objects).
macro_rules! handler_debug {
    ($name:ident $(, $field:ident)*) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use handler_debug;

pub mod access;
pub mod drift;
pub mod event_source;
mod failures;
pub mod handlers;
pub mod input;
pub mod m2m;
pub mod metrics;
pub mod registry;
#[cfg(feature = "runtime")]
pub mod runtime;
#[cfg(feature = "runtime-api")]
pub mod runtime_api;
pub mod settings;
#[cfg(test)]
mod testing;

use serde_json::{json, Value};
use tradai_domain::DomainError;

/// Why a handler failed; the variant name is the error Step Functions sees.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HandlerError {
    /// The input breaks the contract: `field` and why.
    #[error("ValidationError: {field}: {message}")]
    Validation { field: String, message: String },
    /// A dependency failed (retriable when the domain error is).
    #[error("DependencyError: {0}")]
    Dependency(DomainError),
}

impl HandlerError {
    /// An input error on `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        HandlerError::Validation {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The error name Step Functions matches (`errorType`). An open circuit is transient to the workflow:
    /// this process does not call the dependency again now, but the workflow's Retry comes back after its
    /// backoff, when the breaker lets a call through again (a warm function keeps its breaker across events).
    pub fn name(&self) -> &'static str {
        match self {
            HandlerError::Validation { .. } => "ValidationError",
            HandlerError::Dependency(e) if e.is_retriable() => "TransientError",
            HandlerError::Dependency(DomainError::External {
                kind: tradai_domain::ExternalKind::CircuitOpen,
                ..
            }) => "TransientError",
            HandlerError::Dependency(_) => "DependencyError",
        }
    }
}

/// In Lambda the error's [`HandlerError::name`] is the posted `errorType`, the name Step Functions' Retry and
/// Catch match (`ValidationError`, `TransientError`, `DependencyError`), not a Rust type name.
#[cfg(feature = "runtime")]
impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(error: HandlerError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.name().to_owned(),
            error_message: error.to_string(),
        }
    }
}

impl From<DomainError> for HandlerError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation { field, message } => {
                HandlerError::Validation { field, message }
            }
            other => HandlerError::Dependency(other),
        }
    }
}

/// Publish an alert; a failure is logged, not raised (the check's own result is already stored). Whether it was
/// sent.
pub(crate) async fn alert(
    notifier: &dyn tradai_domain::ports::Notifier,
    message: tradai_domain::ports::PublishedMessage,
) -> bool {
    let subject = message.subject.clone();
    match notifier.publish(message).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(%subject, error = %e, "alert not published");
            false
        }
    }
}

/// The §10.1 Step Functions envelope around `data`.
pub fn envelope(data: Value, environment: &str) -> Value {
    json!({"statusCode": 200, "body": {"success": true, "data": data, "environment": environment}})
}
