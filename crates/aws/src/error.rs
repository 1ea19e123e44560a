//! SDK errors as domain errors: throttling, timeouts and unavailability are retriable; the rest is rejected.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tradai_domain::{DomainError, ExternalKind};

/// Error codes AWS services use to ask for a slower pace.
const THROTTLING: [&str; 7] = [
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
];

/// The kind of failure of an error code and HTTP status.
fn classify(code: &str, status: u16) -> ExternalKind {
    if THROTTLING.contains(&code) || status == 429 {
        ExternalKind::Throttled
    } else if status >= 500 {
        ExternalKind::Unavailable
    } else {
        ExternalKind::Rejected
    }
}

/// Classify an SDK error of `service`.
pub fn domain_error<E>(service: &str, err: SdkError<E, HttpResponse>) -> DomainError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let kind = match &err {
        SdkError::TimeoutError(_) => ExternalKind::Timeout,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => ExternalKind::Unavailable,
        SdkError::ServiceError(e) => classify(
            e.err().code().unwrap_or_default(),
            e.raw().status().as_u16(),
        ),
        _ => ExternalKind::Rejected,
    };
    let message = match err.as_service_error() {
        Some(e) => format!(
            "{}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("no message")
        ),
        None => DisplayErrorContext(&err).to_string(),
    };
    DomainError::external(service, kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_retriable_client_errors_are_not() {
        assert_eq!(
            classify("ProvisionedThroughputExceededException", 400),
            ExternalKind::Throttled
        );
        assert_eq!(classify("SlowDown", 503), ExternalKind::Throttled);
        assert_eq!(classify("", 429), ExternalKind::Throttled);
        assert_eq!(
            classify("InternalServerError", 500),
            ExternalKind::Unavailable
        );
        assert_eq!(
            classify("AccessDeniedException", 400),
            ExternalKind::Rejected
        );
        assert_eq!(
            classify("ResourceNotFoundException", 400),
            ExternalKind::Rejected
        );
    }
}
