//! The error hierarchy of reference §13: only failures of external services are retried; validation, missing
//! entities, configuration and conflicts fail fast.

/// Why an external call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalKind {
    /// The service asked us to slow down (retriable).
    Throttled,
    /// No answer in time (retriable).
    Timeout,
    /// Unreachable or answering 5xx (retriable).
    Unavailable,
    /// The circuit breaker is open: the call was not attempted (not retried now).
    CircuitOpen,
    /// Rejected for a reason retrying cannot fix (access denied, bad request).
    Rejected,
}

/// Every error the domain and its ports report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that breaks a rule; `field` names the offending field.
    #[error("invalid {field}: {message}")]
    Validation { field: String, message: String },
    /// The entity does not exist.
    #[error("{entity} '{id}' not found")]
    NotFound { entity: &'static str, id: String },
    /// The platform is misconfigured (missing setting, unknown resource).
    #[error("configuration error: {0}")]
    Configuration(String),
    /// The write lost a race or the state moved on (conditional write failed, stale transition, duplicate).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A call to another service failed.
    #[error("{service} call failed ({kind:?}): {message}")]
    External {
        service: String,
        kind: ExternalKind,
        message: String,
    },
}

/// `Result` with [`DomainError`].
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

impl DomainError {
    /// A validation error on `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A missing entity.
    pub fn not_found(entity: &'static str, id: impl Into<String>) -> Self {
        DomainError::NotFound {
            entity,
            id: id.into(),
        }
    }

    /// A failed external call.
    pub fn external(
        service: impl Into<String>,
        kind: ExternalKind,
        message: impl Into<String>,
    ) -> Self {
        DomainError::External {
            service: service.into(),
            kind,
            message: message.into(),
        }
    }

    /// Whether retrying the same call may succeed (only throttling, timeouts and unavailability).
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            DomainError::External {
                kind: ExternalKind::Throttled | ExternalKind::Timeout | ExternalKind::Unavailable,
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_external_failures_are_retriable() {
        for kind in [
            ExternalKind::Throttled,
            ExternalKind::Timeout,
            ExternalKind::Unavailable,
        ] {
            assert!(DomainError::external("dynamodb", kind, "x").is_retriable());
        }
        assert!(
            !DomainError::external("dynamodb", ExternalKind::Rejected, "denied").is_retriable()
        );
        assert!(!DomainError::external("s3", ExternalKind::CircuitOpen, "open").is_retriable());
        assert!(!DomainError::validation("symbol", "bad").is_retriable());
        assert!(!DomainError::not_found("backtest job", "abc").is_retriable());
        assert!(!DomainError::Conflict("stale".into()).is_retriable());
        assert!(!DomainError::Configuration("no table".into()).is_retriable());
    }

    #[test]
    fn messages_name_what_failed() {
        assert_eq!(
            DomainError::not_found("backtest job", "abc123").to_string(),
            "backtest job 'abc123' not found"
        );
        assert_eq!(
            DomainError::external("sqs", ExternalKind::Throttled, "slow down").to_string(),
            "sqs call failed (Throttled): slow down"
        );
    }
}
