//! A loopback Lambda Runtime API: the HTTP interface Lambda gives a `provided` runtime (`GET
//! …/invocation/next`, `POST …/{id}/response` or `…/{id}/error`), so a `tradai-lambda` process runs here as it
//! runs in Lambda. Events are queued with [`RuntimeApi::invoke`]; what the process posts back is read with
//! [`RuntimeApi::outcome`]. The deployment twin runs each planned function behind one (feature
//! `runtime-api`); the runtime tests and the cold-start bench use it too.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::Notify;

/// What the process posted for one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `POST …/response`: the handler's answer.
    Response(Value),
    /// `POST …/error`: the posted diagnostic (`errorType`, `errorMessage`), what Step Functions matches.
    Error {
        error_type: String,
        error_message: String,
    },
}

#[derive(Debug, Default)]
struct Shared {
    /// The function's ARN and timeout, as the headers of each invocation carry them.
    arn: String,
    timeout: Duration,
    events: Mutex<VecDeque<(String, Value)>>,
    queued: Notify,
    outcomes: Mutex<BTreeMap<String, (Instant, Outcome)>>,
    count: Mutex<u64>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A Runtime API on a loopback port.
#[derive(Debug)]
pub struct RuntimeApi {
    pub address: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> (HeaderMap, String) {
    let (id, event) = loop {
        let waiting = shared.queued.notified();
        if let Some(event) = lock(&shared.events).pop_front() {
            break event;
        }
        waiting.await;
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    };
    let deadline = std::time::SystemTime::now() + shared.timeout;
    let deadline_ms = deadline
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    set("lambda-runtime-aws-request-id", &id);
    set("lambda-runtime-deadline-ms", &deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &shared.arn);
    (headers, event.to_string())
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> &'static str {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    lock(&shared.outcomes).insert(id, (Instant::now(), Outcome::Response(value)));
    "{}"
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: String,
) -> &'static str {
    let posted: Value = serde_json::from_str(&body).unwrap_or_default();
    let text = |field: &str| posted[field].as_str().unwrap_or_default().to_owned();
    let outcome = Outcome::Error {
        error_type: text("errorType"),
        error_message: text("errorMessage"),
    };
    lock(&shared.outcomes).insert(id, (Instant::now(), outcome));
    "{}"
}

impl RuntimeApi {
    /// Listen on a free loopback port, for a test function with no deadline to speak of.
    pub async fn start() -> RuntimeApi {
        Self::for_function(
            "arn:aws:lambda:eu-central-1:123456789012:function:tradai-test",
            Duration::from_secs(900),
        )
        .await
        .expect("a loopback Runtime API")
    }

    /// Listen on a free loopback port for the function `arn`, whose invocations have `timeout`.
    pub async fn for_function(arn: &str, timeout: Duration) -> std::io::Result<RuntimeApi> {
        let shared = Arc::new(Shared {
            arn: arn.to_owned(),
            timeout,
            ..Shared::default()
        });
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi {
            address,
            shared,
            server,
        })
    }

    /// Drop the events not yet taken (a restarted process must not receive the one that timed out).
    pub fn clear(&self) {
        lock(&self.shared.events).clear();
    }

    /// The variables Lambda sets for a function named `function` using this API.
    pub fn environment(&self, function: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.address.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "local".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "local".to_owned()),
        ]
    }

    /// Queue `event`; its request id.
    pub fn invoke(&self, event: Value) -> String {
        let id = {
            let mut count = lock(&self.shared.count);
            *count += 1;
            format!("req-{count}")
        };
        lock(&self.shared.events).push_back((id.clone(), event));
        self.shared.queued.notify_waiters();
        self.shared.queued.notify_one();
        id
    }

    /// When and what the process posted for `id`, waiting up to `within`.
    pub async fn outcome(&self, id: &str, within: Duration) -> Option<(Instant, Outcome)> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(found) = lock(&self.shared.outcomes).get(id) {
                return Some(found.clone());
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
}
