//! Relaying one HTTP request to another server as received (method, path and query, headers, body) and its
//! answer back: the gateway's HTTP_PROXY integration and the AWS front's pass-through to the emulator.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

/// `parts` with `body`, sent to `base` (`http://host:port`); the answer, or why there was none.
pub async fn relay(
    http: &reqwest::Client,
    parts: &Parts,
    body: Bytes,
    base: &str,
    timeout: Duration,
) -> Result<Response, reqwest::Error> {
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("{base}{}{query}", parts.uri.path());
    let mut headers = parts.headers.clone();
    headers.remove("host");
    let answer = http
        .request(parts.method.clone(), url)
        .headers(headers)
        .body(body)
        .timeout(timeout)
        .send()
        .await?;
    let status = answer.status();
    let mut headers = HeaderMap::new();
    for (k, v) in answer.headers() {
        if k != "transfer-encoding" && k != "content-length" {
            headers.append(k.clone(), v.clone());
        }
    }
    let bytes = answer.bytes().await?;
    Ok((status, headers, Body::from(bytes)).into_response())
}
