//! Machine-to-machine access tokens (OAuth 2.0 client credentials against Cognito's token endpoint), for
//! platform code that calls the services: the data-collection-proxy Lambda. A token is reused until a minute
//! before it expires; concurrent callers share one refresh.

use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::Mutex;
use tradai_domain::{DomainError, ExternalKind, Result};

/// Margin before expiry at which a token is renewed.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// A client of the token endpoint with its cached token.
#[derive(Debug)]
pub struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    http: reqwest::Client,
    cached: Mutex<Option<(String, Instant)>>,
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

/// `application/x-www-form-urlencoded` escaping of one value.
fn form_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The Cognito token endpoint of a user-pool domain prefix in `region`.
pub fn cognito_token_url(domain: &str, region: &str) -> String {
    format!("https://{domain}.auth.{region}.amazoncognito.com/oauth2/token")
}

impl ClientCredentials {
    /// A client `client_id` with `client_secret` asking `token_url` for `scopes`.
    pub fn new(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scopes: Vec<String>,
    ) -> Result<Self> {
        if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
            return Err(DomainError::validation(
                "token_url",
                format!("'{token_url}' is not an http(s) URL"),
            ));
        }
        Ok(ClientCredentials {
            token_url: token_url.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            scopes,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| DomainError::Configuration(e.to_string()))?,
            cached: Mutex::new(None),
        })
    }

    /// A valid access token: the cached one, or a new one.
    pub async fn token(&self) -> Result<String> {
        let mut cached = self.cached.lock().await;
        if let Some((token, renew_at)) = cached.as_ref() {
            if Instant::now() < *renew_at {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = self.fetch().await?;
        *cached = Some((
            token.clone(),
            Instant::now() + lifetime.saturating_sub(RENEW_BEFORE),
        ));
        Ok(token)
    }

    async fn fetch(&self) -> Result<(String, Duration)> {
        let failed = |kind, message: String| DomainError::external("cognito", kind, message);
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.client_id, self.client_secret));
        let mut body = "grant_type=client_credentials".to_owned();
        if !self.scopes.is_empty() {
            body.push_str("&scope=");
            body.push_str(&form_escape(&self.scopes.join(" ")));
        }
        let response = self
            .http
            .post(&self.token_url)
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| failed(ExternalKind::Unavailable, e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let kind = if status.is_server_error() || status.as_u16() == 429 {
                ExternalKind::Unavailable
            } else {
                ExternalKind::Rejected
            };
            return Err(failed(
                kind,
                format!("the token endpoint answered {status}: {text}"),
            ));
        }
        let answer: TokenAnswer = response.json().await.map_err(|e| {
            failed(
                ExternalKind::Rejected,
                format!("the token answer is not a token: {e}"),
            )
        })?;
        Ok((answer.access_token, Duration::from_secs(answer.expires_in)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use axum::http::HeaderMap;

    use super::*;

    /// A token endpoint that checks the client's credentials and form, counting the tokens it issues.
    async fn endpoint(lifetime: u64) -> (String, Arc<AtomicUsize>) {
        let issued = Arc::new(AtomicUsize::new(0));
        let count = issued.clone();
        let app = axum::Router::new().route(
            "/oauth2/token",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let count = count.clone();
                async move {
                    let expected = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode("client:secret")
                    );
                    if headers.get("authorization").and_then(|v| v.to_str().ok())
                        != Some(expected.as_str())
                    {
                        return (
                            axum::http::StatusCode::UNAUTHORIZED,
                            r#"{"error":"invalid_client"}"#.to_owned(),
                        );
                    }
                    assert_eq!(
                        body,
                        "grant_type=client_credentials&scope=tradai-api%2Fbacktests.read%20tradai-api%2Fbacktests.write"
                    );
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    (
                        axum::http::StatusCode::OK,
                        format!(
                            r#"{{"access_token":"token-{n}","expires_in":{lifetime},"token_type":"Bearer"}}"#
                        ),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/oauth2/token",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, issued)
    }

    fn scopes() -> Vec<String> {
        vec![
            "tradai-api/backtests.read".into(),
            "tradai-api/backtests.write".into(),
        ]
    }

    #[tokio::test]
    async fn a_token_is_reused_until_shortly_before_it_expires() {
        let (url, issued) = endpoint(3600).await;
        let client = ClientCredentials::new(&url, "client", "secret", scopes()).expect("client");
        assert_eq!(client.token().await.expect("token"), "token-0");
        assert_eq!(client.token().await.expect("token"), "token-0");
        assert_eq!(issued.load(Ordering::SeqCst), 1);

        // A token that lives less than the renewal margin is fetched again every time.
        let (url, issued) = endpoint(30).await;
        let client = ClientCredentials::new(&url, "client", "secret", scopes()).expect("client");
        client.token().await.expect("token");
        assert_eq!(client.token().await.expect("token"), "token-1");
        assert_eq!(issued.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn refusals_are_clear() {
        let (url, _) = endpoint(3600).await;
        let client = ClientCredentials::new(&url, "client", "wrong", scopes()).expect("client");
        let error = client.token().await.expect_err("refused").to_string();
        assert!(
            error.contains("401") && error.contains("invalid_client"),
            "{error}"
        );
        assert!(ClientCredentials::new("ftp://x", "c", "s", vec![]).is_err());
        assert_eq!(
            cognito_token_url("tradai-auth-dev", "eu-central-1"),
            "https://tradai-auth-dev.auth.eu-central-1.amazoncognito.com/oauth2/token"
        );
    }
}
