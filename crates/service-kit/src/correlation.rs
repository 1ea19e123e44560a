//! The correlation id (`X-Correlation-ID`): a caller's id is kept only when it is one (1 to 128 visible
//! ASCII letters, digits, `-`, `_`, `.`, `:`, `=`), otherwise it is dropped so a fresh UUID replaces it (it is logged,
//! stored on jobs and echoed, so a 60 KB or binary header must never get that far). Every JSON error answer
//! carries it as `correlation_id`, the one thing a client needs to report a failure.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;

use crate::http::CORRELATION_ID;

/// The longest correlation id kept.
pub const MAX_LEN: usize = 128;

/// The largest error body that is rewritten to carry the id (error bodies are small; others pass untouched).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Whether `value` is kept as a correlation id.
pub fn acceptable(value: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'='))
}

/// Drop a caller's correlation id that is not [`acceptable`] (the request-id layer then sets a fresh one).
pub async fn sanitise(mut request: Request, next: Next) -> Response {
    let bad = request
        .headers()
        .get_all(CORRELATION_ID)
        .iter()
        .enumerate()
        .any(|(i, v)| i > 0 || !acceptable(v.as_bytes()));
    if bad {
        tracing::info!("a malformed X-Correlation-ID was replaced");
        request.headers_mut().remove(CORRELATION_ID);
    }
    next.run(request).await
}

/// Put the request's correlation id into a JSON error answer's `correlation_id`.
pub async fn into_errors(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(CORRELATION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let Some(id) = id.filter(|_| json && response.status().as_u16() >= 400) else {
        return response;
    };
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        tracing::warn!("an error answer too large to carry the correlation id");
        return Response::from_parts(parts, Body::empty());
    };
    let rewritten = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut body)) if body.contains_key("code") => {
            body.insert("correlation_id".into(), id.into());
            serde_json::to_vec(&body).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(rewritten))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_kept() {
        assert!(acceptable(b"3f2c1a7e-8b4d-4c1e-9f00-1234567890ab"));
        assert!(acceptable(b"Root=1-5759e988:bd862e3f.a"));
        assert!(!acceptable(b""));
        assert!(!acceptable(&[b'a'; MAX_LEN + 1]));
        assert!(!acceptable("naïve".as_bytes()));
        assert!(!acceptable(b"a b"));
        assert!(!acceptable(b"<script>"));
    }
}
