//! A backend on in-memory adapters and a caller with tokens.

use std::sync::Arc;

use axum::Router;
use serde_json::Value;
use tradai_backend::executor::{Executor, QueueExecutor, WorkflowExecutor};
use tradai_backend::{router, AppState};
use tradai_config::{Environment, Loader};
use tradai_domain::ports::{JobRepository, TableLayout};
use tradai_memory::{MemoryObjectStore, MemoryQueue, MemoryRecordStore, MemoryWorkflows};
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::testing::{access_claims, call, machine_claims, Answer, JwksServer, Key};

/// A backend, its queue or workflows, and tokens.
pub struct Backend {
    pub app: Router,
    pub jobs: JobRepository,
    /// The results bucket (memory backends only).
    pub results: Option<Arc<MemoryObjectStore>>,
    /// The ECS tasks (memory backends only).
    pub tasks: Option<Arc<tradai_memory::MemoryTaskRunner>>,
    /// The containers' log streams (memory backends only).
    pub logs: Option<Arc<tradai_memory::MemoryLogs>>,
    pub queue: Arc<MemoryQueue>,
    pub workflows: Arc<MemoryWorkflows>,
    pub user: String,
    pub reader: String,
    _jwks: JwksServer,
}

impl Backend {
    /// A backend whose executor queues jobs (`workflows` = false) or starts workflows; nothing listens where
    /// its strategy service should be.
    pub async fn start(workflows: bool) -> Self {
        Self::start_with_strategy(workflows, "http://127.0.0.1:9").await
    }

    /// As [`Backend::start`], forwarding strategy routes to `strategy_url`.
    pub async fn start_with_strategy(workflows: bool, strategy_url: &str) -> Self {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let s = config.settings();
        let layout = |key: &str| TableLayout::from_spec(key, &s.tables[key]);
        let queue = Arc::new(MemoryQueue::from_spec(
            "backtest.fifo",
            &s.queues["backtest"],
        ));
        let machines = Arc::new(MemoryWorkflows::new("tradai-backtest-workflow-dev"));
        let executor: Arc<dyn Executor> = if workflows {
            Arc::new(WorkflowExecutor {
                workflows: machines.clone(),
                task_definition: "tradai-strategy-generic-dev".into(),
            })
        } else {
            Arc::new(QueueExecutor {
                queue: queue.clone(),
            })
        };
        let (key, jwks) = keys().await;
        let results = Arc::new(MemoryObjectStore::new());
        let tasks = Arc::new(tradai_memory::MemoryTaskRunner::new("tradai-dev"));
        let logs = Arc::new(tradai_memory::MemoryLogs::new());
        let state = AppState {
            jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(layout("workflow-state")))),
            idempotency: Arc::new(MemoryRecordStore::new(layout("idempotency"))),
            configs: Arc::new(MemoryRecordStore::new(layout("config-versions"))),
            results: results.clone(),
            operations: tradai_backend::Operations::new(&config, tasks.clone(), logs.clone()),
            strategy_service: tradai_backend::StrategyService::new(strategy_url),
            executor,
            verifier: Arc::new(jwks.verifier()),
            service: "backend",
        };
        let mut backend = Backend::with_state(state, &key, jwks, queue, machines);
        backend.results = Some(results);
        backend.tasks = Some(tasks);
        backend.logs = Some(logs);
        backend
    }

    /// A backend over `state` (built with `jwks`'s verifier); `queue` and `workflows` are what tests inspect.
    pub fn with_state(
        state: AppState,
        key: &Key,
        jwks: JwksServer,
        queue: Arc<MemoryQueue>,
        workflows: Arc<MemoryWorkflows>,
    ) -> Self {
        let issuer = jwks.issuer();
        Backend {
            jobs: state.jobs.clone(),
            results: None,
            tasks: None,
            logs: None,
            app: router(state, &HttpOptions::default()),
            queue,
            workflows,
            user: key.sign(&access_claims(&issuer)),
            reader: key.sign(&machine_claims(&issuer, "tradai-api/backtests.read")),
            _jwks: jwks,
        }
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
