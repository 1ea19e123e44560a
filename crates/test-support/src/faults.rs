//! [`FaultProxy`]: an HTTP proxy in front of the emulator or MLflow that injects the faults the platform must
//! survive. It can be down (every call answered 503, as while the emulator restarts), and it can fail a share
//! of calls at random: half refused before they reach the upstream (nothing happened), half forwarded and then
//! answered 500 (it happened, but the caller never learns so: the ambiguous case a retry must resolve). It can
//! also be slow. The random source is seeded, so a run is repeatable.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};

/// Calls seen and faults injected so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub calls: u64,
    /// Answered 503 without reaching the upstream (down, or a refused call).
    pub refused: u64,
    /// Reached the upstream, then answered 500.
    pub lost: u64,
}

struct Shared {
    upstream: String,
    client: reqwest::Client,
    down: AtomicBool,
    /// Share of calls failed, in millionths.
    rate: AtomicU32,
    /// Milliseconds each call is held before it is forwarded.
    delay_ms: AtomicU64,
    rng: Mutex<u64>,
    calls: AtomicU64,
    refused: AtomicU64,
    lost: AtomicU64,
}

impl Shared {
    /// A uniform draw in [0, 1_000_000) (xorshift64*).
    fn draw(&self) -> u32 {
        let mut state = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32 % 1_000_000
    }
}

/// The proxy; it serves until dropped.
pub struct FaultProxy {
    url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("url", &self.url)
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FaultProxy {
    /// A proxy on a free port of 127.0.0.1 forwarding to `upstream` (`http://host:port`), faults seeded by
    /// `seed`.
    pub async fn start(upstream: &str, seed: u64) -> FaultProxy {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            down: AtomicBool::new(false),
            rate: AtomicU32::new(0),
            delay_ms: AtomicU64::new(0),
            rng: Mutex::new(seed | 1),
            calls: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy {
            url,
            shared,
            server,
        }
    }

    /// Where clients should call.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Take the upstream away (every call 503) or bring it back.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// Fail this share of calls (0 to 1).
    pub fn set_fault_rate(&self, rate: f64) {
        let millionths = (rate.clamp(0.0, 1.0) * 1e6) as u32;
        self.shared.rate.store(millionths, Ordering::SeqCst);
    }

    /// Hold each call this long before forwarding it (a slow upstream).
    pub fn set_delay(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.shared.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// What it saw and did so far.
    pub fn counts(&self) -> FaultCounts {
        FaultCounts {
            calls: self.shared.calls.load(Ordering::SeqCst),
            refused: self.shared.refused.load(Ordering::SeqCst),
            lost: self.shared.lost.load(Ordering::SeqCst),
        }
    }
}

fn unavailable(status: StatusCode, what: &str) -> Response {
    let body = format!(r#"{{"__type":"ServiceUnavailable","message":"{what} (fault injection)"}}"#);
    (status, [("content-type", "application/json")], body).into_response()
}

/// Headers the proxy sets itself on each side.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host" | "content-length" | "transfer-encoding" | "connection" | "keep-alive"
    )
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    shared.calls.fetch_add(1, Ordering::SeqCst);
    let rate = shared.rate.load(Ordering::SeqCst);
    let draw = if rate > 0 { shared.draw() } else { u32::MAX };
    if shared.down.load(Ordering::SeqCst) || draw < rate / 2 {
        shared.refused.fetch_add(1, Ordering::SeqCst);
        return unavailable(StatusCode::SERVICE_UNAVAILABLE, "upstream unavailable");
    }
    let delay = shared.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, 256 << 20).await else {
        return unavailable(StatusCode::BAD_GATEWAY, "request body unreadable");
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = shared
        .client
        .request(parts.method, format!("{}{path}", shared.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if !hop_by_hop(name) {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return unavailable(StatusCode::BAD_GATEWAY, "upstream unreachable");
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return unavailable(StatusCode::BAD_GATEWAY, "upstream answer cut");
    };
    if draw < rate {
        shared.lost.fetch_add(1, Ordering::SeqCst);
        return unavailable(StatusCode::INTERNAL_SERVER_ERROR, "answer lost");
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !hop_by_hop(name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}
