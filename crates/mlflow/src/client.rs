//! The HTTP side: one request builder ([`Call`]) and the mapping of MLflow's answers to domain errors.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, ExternalKind, Result};

use crate::wire::ErrorBody;

const SERVICE: &str = "mlflow";

/// Basic-auth credentials (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`).
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// An MLflow tracking server (its tracking URI, e.g. `http://mlflow.tradai.local:5000`).
#[derive(Debug, Clone)]
pub struct MlflowRegistry {
    api: String,
    http: reqwest::Client,
    credentials: Option<Credentials>,
    policy: Arc<ResiliencePolicy>,
}

/// One request to an endpoint under `/api/2.0/mlflow/`.
pub(crate) struct Call<'a> {
    endpoint: &'a str,
    query: Vec<(&'a str, &'a str)>,
    body: Option<Value>,
    /// What a `RESOURCE_DOES_NOT_EXIST` answer is about.
    subject: Option<(&'static str, String)>,
    retry: bool,
}

impl<'a> Call<'a> {
    pub(crate) fn get(endpoint: &'a str, query: &[(&'a str, &'a str)]) -> Self {
        Call {
            endpoint,
            query: query.to_vec(),
            body: None,
            subject: None,
            retry: true,
        }
    }

    pub(crate) fn post(endpoint: &'a str, body: Value) -> Self {
        Call {
            endpoint,
            query: Vec::new(),
            body: Some(body),
            subject: None,
            retry: true,
        }
    }

    /// A missing resource is `entity` `id`.
    pub(crate) fn about(mut self, entity: &'static str, id: &str) -> Self {
        self.subject = Some((entity, id.to_owned()));
        self
    }

    /// Not idempotent: sent once, never retried.
    pub(crate) fn once(mut self) -> Self {
        self.retry = false;
        self
    }
}

impl MlflowRegistry {
    /// The server at `tracking_uri` (`http` or `https`), with a 10 s request timeout.
    pub fn new(tracking_uri: &str, credentials: Option<Credentials>) -> Result<Self> {
        let uri = tracking_uri.trim_end_matches('/');
        let scheme_ok = uri.starts_with("http://") || uri.starts_with("https://");
        if !scheme_ok || reqwest::Url::parse(uri).is_err() {
            return Err(DomainError::validation(
                "MLFLOW_TRACKING_URI",
                format!("'{tracking_uri}' is not an http(s) URL, e.g. http://localhost:5001"),
            ));
        }
        let http = tradai_discovery::client(Duration::from_secs(10))
            .build()
            .map_err(|e| DomainError::Configuration(format!("HTTP client: {e}")))?;
        Ok(MlflowRegistry {
            api: format!("{uri}/api/2.0/mlflow"),
            http,
            credentials,
            policy: Arc::new(ResiliencePolicy::aws(SERVICE)),
        })
    }

    /// The server named by `MLFLOW_TRACKING_URI`, with basic auth when `MLFLOW_TRACKING_USERNAME` is set.
    pub fn from_env() -> Result<Self> {
        let uri = std::env::var("MLFLOW_TRACKING_URI").map_err(|_| {
            DomainError::Configuration(
                "MLFLOW_TRACKING_URI is not set; it names the MLflow server, e.g. http://localhost:5001".into(),
            )
        })?;
        let credentials = std::env::var("MLFLOW_TRACKING_USERNAME")
            .ok()
            .map(|username| Credentials {
                username,
                password: std::env::var("MLFLOW_TRACKING_PASSWORD").unwrap_or_default(),
            });
        MlflowRegistry::new(&uri, credentials)
    }

    /// The resilience policy (its breaker state belongs in health reports).
    pub fn policy(&self) -> &ResiliencePolicy {
        &self.policy
    }

    /// Send `call` and decode its answer.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        if call.retry {
            self.policy.protect(|| self.send(&call)).await
        } else {
            let breaker = self.policy.breaker();
            let permit = breaker.acquire()?;
            let outcome = self.send(&call).await;
            permit.record(&outcome);
            outcome
        }
    }

    async fn send<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T> {
        let url = format!("{}/{}", self.api, call.endpoint);
        let mut request = match &call.body {
            Some(body) => self.http.post(&url).json(body),
            None => self.http.get(&url).query(&call.query),
        };
        if let Some(c) = &self.credentials {
            request = request.basic_auth(&c.username, Some(&c.password));
        }
        let response = request.send().await.map_err(|e| {
            let kind = if e.is_timeout() {
                ExternalKind::Timeout
            } else {
                ExternalKind::Unavailable
            };
            DomainError::external(SERVICE, kind, format!("{} {url}: {e}", call.endpoint))
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            DomainError::external(SERVICE, ExternalKind::Unavailable, format!("{url}: {e}"))
        })?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| {
                DomainError::external(
                    SERVICE,
                    ExternalKind::Rejected,
                    format!(
                        "{} answered an unexpected body ({e}): {text:.200}",
                        call.endpoint
                    ),
                )
            });
        }
        Err(failure(call, status, &text))
    }
}

/// The domain error for a failed answer.
fn failure(call: &Call<'_>, status: StatusCode, text: &str) -> DomainError {
    let body: Option<ErrorBody> = serde_json::from_str(text).ok();
    let code = body.as_ref().map_or("", |b| b.error_code.as_str());
    let message = body
        .as_ref()
        .map_or_else(|| format!("{text:.200}"), |b| b.message.clone());
    match (code, &call.subject) {
        ("RESOURCE_DOES_NOT_EXIST", Some((entity, id))) => {
            DomainError::not_found(entity, id.clone())
        }
        ("RESOURCE_ALREADY_EXISTS", _) => DomainError::Conflict(message),
        _ => {
            let kind = match status {
                StatusCode::TOO_MANY_REQUESTS => ExternalKind::Throttled,
                s if s.is_server_error() => ExternalKind::Unavailable,
                _ => ExternalKind::Rejected,
            };
            DomainError::external(
                SERVICE,
                kind,
                format!("{} answered {status} {code}: {message}", call.endpoint),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_domain_errors() {
        let call = Call::get("registered-models/get", &[]).about("registered model", "M");
        let missing = r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}"#;
        assert_eq!(
            failure(&call, StatusCode::NOT_FOUND, missing),
            DomainError::not_found("registered model", "M")
        );
        let exists = r#"{"error_code":"RESOURCE_ALREADY_EXISTS","message":"taken"}"#;
        assert_eq!(
            failure(&call, StatusCode::BAD_REQUEST, exists),
            DomainError::Conflict("taken".into())
        );
        assert!(failure(&call, StatusCode::BAD_GATEWAY, "<html>").is_retriable());
        assert!(failure(&call, StatusCode::TOO_MANY_REQUESTS, "").is_retriable());
        let denied = failure(&call, StatusCode::UNAUTHORIZED, "");
        assert!(!denied.is_retriable());
        assert!(denied.to_string().contains("401"), "{denied}");
    }

    #[test]
    fn the_tracking_uri_must_be_http() {
        let err = MlflowRegistry::new("mlflow:5000", None).expect_err("no scheme");
        assert!(err.to_string().contains("MLFLOW_TRACKING_URI"), "{err}");
        let ok = MlflowRegistry::new("http://localhost:5001/", None).expect("valid");
        assert_eq!(ok.api, "http://localhost:5001/api/2.0/mlflow");
    }
}
