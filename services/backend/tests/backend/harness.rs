//! A backend on in-memory adapters and a caller with tokens.

use std::sync::Arc;

use axum::Router;
use serde_json::Value;
use tradai_backend::{router, AppState};
use tradai_config::{Config, Environment, Loader};
use tradai_domain::ports::JobRepository;
use tradai_platform::{ExecutorKind, MemoryPorts};
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::testing::{access_claims, call, machine_claims, Answer, JwksServer, Key};

/// A backend, the in-memory ports it runs on, and tokens.
pub struct Backend {
    pub app: Router,
    pub jobs: JobRepository,
    /// The in-memory ports (memory backends only).
    memory: Option<MemoryPorts>,
    pub user: String,
    pub reader: String,
    /// The key tokens are signed with, and their issuer.
    pub key: Key,
    pub issuer: String,
    _jwks: JwksServer,
}

/// The embedded dev config.
pub fn config() -> Config {
    Loader::embedded()
        .without_env_vars()
        .load(Environment::Dev)
        .expect("valid")
}

impl Backend {
    /// A backend whose executor queues jobs (`workflows` = false) or starts workflows; nothing listens where
    /// its strategy service should be.
    pub async fn start(workflows: bool) -> Self {
        Self::start_with_strategy(workflows, "http://127.0.0.1:9").await
    }

    /// As [`Backend::start`], forwarding strategy routes to `strategy_url`.
    pub async fn start_with_strategy(workflows: bool, strategy_url: &str) -> Self {
        let kind = if workflows {
            ExecutorKind::Stepfunctions
        } else {
            ExecutorKind::Sqs
        };
        Self::on_memory(kind, strategy_url).await
    }

    /// A backend on the in-memory ports of the dev config with an executor of `kind` (built as `main` builds
    /// it).
    pub async fn on_memory(kind: ExecutorKind, strategy_url: &str) -> Self {
        let config = config();
        let memory = MemoryPorts::new(&config).expect("ports");
        let platform = tradai_platform::Platform::on_memory(memory.clone());
        let executor = tradai_local_executor::executor(kind, &config, &platform)
            .await
            .expect("executor");
        let (key, jwks) = keys().await;
        let state = AppState::new(
            &config,
            &platform.ports,
            executor,
            strategy_url,
            Arc::new(jwks.verifier()),
        );
        Backend::with_state(state, &key, jwks, Some(memory))
    }

    /// A backend over `state` (built with `jwks`'s verifier); `memory` is what tests inspect, if anything.
    pub fn with_state(
        state: AppState,
        key: &Key,
        jwks: JwksServer,
        memory: Option<MemoryPorts>,
    ) -> Self {
        let issuer = jwks.issuer();
        Backend {
            jobs: state.jobs.clone(),
            memory,
            app: router(state, &HttpOptions::default()),
            user: key.sign(&access_claims(&issuer)),
            reader: key.sign(&machine_claims(&issuer, "tradai-api/read")),
            key: key.clone(),
            issuer,
            _jwks: jwks,
        }
    }

    /// The in-memory ports (panics for a backend on other adapters).
    pub fn memory(&self) -> &MemoryPorts {
        self.memory.as_ref().expect("a backend on in-memory ports")
    }

    /// Call `method path` with `token`, extra `headers` and a JSON `body`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        call(&self.app, method, path, token, headers, body).await
    }

    /// `GET path` with `token`.
    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), &[], None).await
    }

    /// `POST path` with `token` and no body.
    pub async fn post(&self, path: &str, token: &str) -> Answer {
        self.call("POST", path, Some(token), &[], None).await
    }

    /// Submit `body` as the user.
    pub async fn submit(&self, body: Value, headers: &[(&str, &str)]) -> Answer {
        self.call(
            "POST",
            "/api/v1/backtests",
            Some(&self.user),
            headers,
            Some(body),
        )
        .await
    }
}

/// A signing key and a JWKS server trusting it.
pub async fn keys() -> (Key, JwksServer) {
    let key = Key::new("test-key");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    (key, jwks)
}

/// A valid request body.
pub fn request() -> Value {
    serde_json::json!({"strategy": "sma-crossover", "timeframe": "1h", "start_date": "2024-01-01", "end_date": "2024-06-30", "symbols": ["BTC/USDT:USDT"]})
}

/// `text` percent-encoded for a query string.
pub fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
