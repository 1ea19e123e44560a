//! The JSON error body every service returns: `{code, message, details}` with the reference's codes
//! (§7.6: VAL001–VAL006) and the families decided where it is silent (decision S1).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

/// Validation codes of reference §7.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum ValidationCode {
    /// Invalid date range (ISO 8601, start before end).
    #[serde(rename = "VAL001")]
    DateRange,
    /// Bad symbol format (`BASE/QUOTE[:SETTLE]`).
    #[serde(rename = "VAL002")]
    Symbol,
    /// Invalid timeframe.
    #[serde(rename = "VAL003")]
    Timeframe,
    /// Missing field.
    #[serde(rename = "VAL004")]
    MissingField,
    /// Value out of range.
    #[serde(rename = "VAL005")]
    OutOfRange,
    /// Invalid config format.
    #[serde(rename = "VAL006")]
    ConfigFormat,
}

impl ValidationCode {
    /// The code as sent (`VAL001`).
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationCode::DateRange => "VAL001",
            ValidationCode::Symbol => "VAL002",
            ValidationCode::Timeframe => "VAL003",
            ValidationCode::MissingField => "VAL004",
            ValidationCode::OutOfRange => "VAL005",
            ValidationCode::ConfigFormat => "VAL006",
        }
    }
}

/// The most characters of a caller's value an error echoes back (a 1.5 MB name is not sent back whole).
pub const ECHO_MAX: usize = 128;

/// `text` cut to [`ECHO_MAX`] characters, saying how long it was.
fn clip(text: &str) -> String {
    match text.char_indices().nth(ECHO_MAX) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text.to_owned(),
    }
}

/// A value to echo: long strings clipped, long arrays cut to their first items.
fn clipped(value: impl Serialize) -> Value {
    match serde_json::to_value(value).unwrap_or(Value::Null) {
        Value::String(s) => Value::String(clip(&s)),
        Value::Array(items) if items.len() > 8 => {
            Value::Array(items.into_iter().take(8).map(clipped).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(clipped).collect()),
        other => other,
    }
}

/// An error answer: HTTP status plus the JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    /// `VAL001`…`VAL006`, `NOT_FOUND`, `AUTH001`…`AUTH003`, `CONFLICT`, `TOO_LARGE`, `OVERLOADED`,
    /// `UNAVAILABLE`, `INTERNAL`.
    pub code: &'static str,
    pub message: String,
    /// Structured detail: the field, value and what is allowed for validation errors.
    #[schema(value_type = Object)]
    pub details: Box<Value>,
    /// The request's `X-Correlation-ID`, which finds the cause in the service's logs (set on every error
    /// answer by the common layers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        details: Value,
    ) -> Self {
        ApiError {
            status: status.as_u16(),
            code,
            message: message.into(),
            details: Box::new(details),
            correlation_id: None,
        }
    }

    /// 400: `field` has `value`, which is not `allowed`.
    pub fn validation(
        code: ValidationCode,
        field: &str,
        value: impl Serialize,
        allowed: &str,
    ) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code.as_str(),
            format!("{field}: {allowed}"),
            serde_json::json!({"field": clip(field), "value": clipped(value), "allowed": allowed}),
        )
    }

    /// 404: no `what` called `id`.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} '{id}' not found"),
            serde_json::json!({"resource": what, "id": id}),
        )
    }

    /// 401: no bearer token.
    pub fn missing_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "AUTH001",
            "a bearer token is required (Authorization: Bearer <token>)",
            Value::Null,
        )
    }

    /// 401: the token was refused, for `reason`.
    pub fn invalid_token(reason: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "AUTH002",
            format!("the token was rejected: {reason}"),
            serde_json::json!({"reason": reason}),
        )
    }

    /// 403: the caller lacks `permission`: a machine is missing the scope `tradai-api/<permission>`, a person
    /// a role (Cognito group) that grants it; `groups` are the caller's roles.
    pub fn missing_permission(
        permission: tradai_config::Permission,
        machine: bool,
        groups: &[String],
    ) -> Self {
        let remedy = if machine {
            format!("a machine client needs the scope tradai-api/{permission}")
        } else {
            format!("ask an administrator for a role that grants {permission}")
        };
        Self::new(
            StatusCode::FORBIDDEN,
            "AUTH003",
            format!("permission {permission} is required: {remedy}"),
            serde_json::json!({"required_permission": permission, "your_roles": groups}),
        )
    }

    /// 413: the body is larger than the route accepts (`limit` bytes).
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "TOO_LARGE",
            format!("the request body exceeds this route's limit of {limit} bytes"),
            serde_json::json!({"limit_bytes": limit}),
        )
    }

    /// 429: too many requests in flight; retry after `retry_after` seconds (the `Retry-After` header).
    pub fn overloaded(retry_after: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "OVERLOADED",
            format!("the service is at its concurrency limit; retry after {retry_after} s"),
            serde_json::json!({"retry_after_seconds": retry_after}),
        )
    }

    /// 409: the request conflicts with the resource's state.
    pub fn conflict(message: impl Into<String>, details: Value) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message, details)
    }

    /// 503: `dependency` cannot be reached. `reason` (an AWS or network error text, which may name internal
    /// hosts and resources) is logged, never sent: the client gets the correlation id that finds it.
    pub fn unavailable(dependency: &str, reason: &str) -> Self {
        tracing::warn!(%dependency, %reason, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            format!(
                "{dependency} is unavailable; retry later (the correlation id identifies the cause in the logs)"
            ),
            serde_json::json!({"dependency": dependency}),
        )
    }

    /// 500: an unexpected failure (its cause is logged, not sent).
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "an unexpected error occurred; the correlation id identifies it in the logs",
            Value::Null,
        )
    }

    /// The same error with `message` instead.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(&self)).into_response()
    }
}

/// Domain errors as API errors: validation 400, missing 404, conflict 409, failed dependency 503; a
/// configuration error is logged and answered 500 without its text.
impl From<tradai_domain::DomainError> for ApiError {
    fn from(error: tradai_domain::DomainError) -> Self {
        use tradai_domain::DomainError;
        match error {
            // The domain's message says what is wrong and what is allowed.
            DomainError::Validation { field, message } => ApiError::new(
                StatusCode::BAD_REQUEST,
                ValidationCode::OutOfRange.as_str(),
                format!("invalid {field}: {message}"),
                serde_json::json!({"field": field, "reason": message}),
            ),
            DomainError::NotFound { entity, id } => ApiError::not_found(entity, &id),
            DomainError::Conflict(message) => ApiError::conflict(message, Value::Null),
            DomainError::External {
                service, message, ..
            } => ApiError::unavailable(&service, &message),
            DomainError::Configuration(message) => {
                tracing::error!(%message, "configuration error");
                ApiError::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_families() {
        let cases = [
            (
                ApiError::validation(
                    ValidationCode::Symbol,
                    "symbol",
                    "BTCUSDT",
                    "BASE/QUOTE[:SETTLE]",
                ),
                400,
                "VAL002",
            ),
            (ApiError::not_found("Backtest job", "abc"), 404, "NOT_FOUND"),
            (ApiError::missing_token(), 401, "AUTH001"),
            (ApiError::invalid_token("expired"), 401, "AUTH002"),
            (
                ApiError::missing_permission(tradai_config::Permission::LiveTrading, false, &[]),
                403,
                "AUTH003",
            ),
            (
                ApiError::conflict("job already finished", Value::Null),
                409,
                "CONFLICT",
            ),
            (
                ApiError::unavailable("mlflow", "timeout"),
                503,
                "UNAVAILABLE",
            ),
        ];
        for (error, status, code) in cases {
            assert_eq!((error.status, error.code), (status, code));
        }
        let long = ApiError::validation(
            ValidationCode::OutOfRange,
            "name",
            "é".repeat(100_000),
            "short",
        );
        let echoed = long.details["value"].as_str().expect("a string");
        assert!(
            echoed.chars().count() < ECHO_MAX + 20 && echoed.ends_with("(200000 bytes)"),
            "{echoed}"
        );
        let hidden =
            ApiError::unavailable("dynamodb", "dispatch failure: http://10.0.3.7:4566 refused");
        assert!(!hidden.message.contains("10.0.3.7"), "{}", hidden.message);
        let body =
            serde_json::to_value(ApiError::not_found("Backtest job", "abc123")).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"code": "NOT_FOUND", "message": "Backtest job 'abc123' not found", "details": {"resource": "Backtest job", "id": "abc123"}})
        );
    }
}
