//! A JSON body extractor and a query-string extractor whose rejections are the API's error body (VAL006
//! naming what is wrong), not axum's plain-text 4xx.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::{ApiError, ValidationCode};

/// A request part (`body`, `query`) that does not read as the documented schema: VAL006 naming it, what was
/// wrong, and what is allowed.
fn unreadable(field: &str, problem: String, allowed: &str) -> ApiError {
    ApiError::validation(ValidationCode::ConfigFormat, field, problem, allowed)
}

/// The body limit of a request: the route's (`axum::extract::DefaultBodyLimit`), else the services' default.
fn limit_of(request: &Request) -> usize {
    request
        .extensions()
        .get::<BodyLimit>()
        .map_or(crate::http::DEFAULT_BODY_LIMIT, |l| l.0)
}

/// A body extractor's rejection as the API's error: 413 naming `limit` when the body was too large, else
/// VAL006 on `body` saying what was wrong and what is `allowed`.
fn body_rejected(limit: usize, status: StatusCode, problem: String, allowed: &str) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(limit)
    } else {
        unreadable("body", problem, allowed)
    }
}

/// The body limit in force for a route, recorded beside axum's `DefaultBodyLimit` so a 413 can name it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// The request body as `T`; a body over the route's limit is a 413.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = limit_of(&request);
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|axum::Json(value)| JsonBody(value))
            .map_err(|r| {
                body_rejected(
                    limit,
                    r.status(),
                    r.body_text(),
                    "a JSON body (Content-Type: application/json) matching the documented schema",
                )
            })
    }
}

/// The raw request body (for routes that hash or forward it); a body over the route's limit is a 413.
#[derive(Debug, Clone)]
pub struct RawBody(pub axum::body::Bytes);

impl<S> FromRequest<S> for RawBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = limit_of(&request);
        axum::body::Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|r| body_rejected(limit, r.status(), r.body_text(), "a readable request body"))
    }
}

/// The query string as `T`.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(unreadable(
                "query",
                rejection.body_text(),
                "query parameters of the documented names and types",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Page {
        #[allow(dead_code)]
        limit: u32,
    }

    #[tokio::test]
    async fn a_bad_query_is_the_api_error_body() {
        let app =
            axum::Router::new().route("/", get(|QueryParams(_): QueryParams<Page>| async { "ok" }));
        let answer = app
            .oneshot(
                Request::get("/?limit=-1")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("answer");
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            answer.headers()["content-type"],
            "application/json",
            "{:?}",
            answer.headers()
        );
        let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
            .await
            .expect("body");
        let error: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let text = error.to_string();
        assert!(
            text.contains("VAL006") && text.contains("query") && text.contains("limit"),
            "{text}"
        );
    }
}
