//! Cold start of the one Lambda binary: process start → first event handled, through a local Lambda Runtime
//! API (the HTTP interface Lambda gives a `provided` runtime: `GET …/invocation/next`, `POST …/response` or
//! `…/error`). Each run starts `tradai-lambda` afresh with `TRADAI_HANDLER=update-status` (settings checked, the
//! canonical config loaded and validated, the SDK clients built) and hands it one event whose answer needs no
//! AWS call (an invalid transition request, answered as a ValidationError). Also prints the binary's size.
//!
//! `cargo build --release --bin tradai-lambda && cargo bench -p tradai-lambdas --bench cold_start`
//! (`benches/run-all` does both).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};

const RUNS: usize = 20;

#[derive(Default)]
struct Runtime {
    /// When the answer to the event arrived.
    answered: Mutex<Option<Instant>>,
    served: Mutex<bool>,
}

async fn next(State(rt): State<Arc<Runtime>>) -> (HeaderMap, String) {
    let first = !std::mem::replace(&mut *rt.served.lock().expect("lock"), true);
    if !first {
        // Hold the second poll: the process is stopped before it returns.
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        "req-1".parse().expect("header"),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        "9999999999999".parse().expect("header"),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:eu-central-1:123456789012:function:tradai-update-status-dev"
            .parse()
            .expect("header"),
    );
    (headers, r#"{"status": "RUNNING"}"#.to_owned())
}

async fn answered(State(rt): State<Arc<Runtime>>) -> &'static str {
    *rt.answered.lock().expect("lock") = Some(Instant::now());
    "{}"
}

fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("release/tradai-lambda")
}

#[tokio::main]
async fn main() {
    let binary = binary();
    let size = std::fs::metadata(&binary)
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: cargo build --release --bin tradai-lambda",
                binary.display()
            )
        })
        .len();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let rt = Arc::new(Runtime::default());
        let app = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(answered),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(answered))
            .with_state(rt.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&binary)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "tradai-update-status-dev")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
            .env("AWS_REGION", "eu-central-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("ENVIRONMENT", "dev")
            .env("TRADAI_HANDLER", "update-status")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn tradai-lambda");
        let answered_at = loop {
            if let Some(at) = *rt.answered.lock().expect("lock") {
                break at;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("no answer within 30 s");
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        };
        times.push(answered_at - started);
        let _ = child.kill().await;
        server.abort();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "tradai-lambda release binary: {:.1} MB ({size} bytes)",
        size as f64 / 1e6
    );
    println!(
        "cold start, process start → first event answered ({RUNS} runs): min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS * 95 / 100]),
        ms(times[RUNS - 1])
    );
}
