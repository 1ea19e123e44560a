//! Cold start of the one Lambda binary: process start → first event handled, through a local Lambda Runtime
//! API (the HTTP interface Lambda gives a `provided` runtime: `GET …/invocation/next`, `POST …/response` or
//! `…/error`). Each run starts `tradai-lambda` afresh with `TRADAI_HANDLER=update-status` (settings checked, the
//! canonical config loaded and validated, the SDK clients built) and hands it one event whose answer needs no
//! AWS call (an invalid transition request, answered as a ValidationError). Also prints the binary's size.
//!
//! `scripts/build-lambda && cargo bench -p tradai-lambdas --bench cold_start`
//! (`benches/run-all` does both).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tradai_lambdas::runtime_api::RuntimeApi;

const RUNS: usize = 20;

/// The image's trust store for AWS endpoints (the Dockerfile copies it and points `SSL_CERT_FILE` at it).
const CERT_BUNDLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/aws-roots.pem");

fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("lambda/tradai-lambda")
}

#[tokio::main]
async fn main() {
    let binary = binary();
    let size = std::fs::metadata(&binary)
        .unwrap_or_else(|_| panic!("{} is missing: scripts/build-lambda", binary.display()))
        .len();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let api = RuntimeApi::start().await;
        let id = api.invoke(serde_json::json!({"status": "RUNNING"}));
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&binary)
            .env_clear()
            .envs(api.environment("tradai-update-status-dev"))
            .env("AWS_REGION", "eu-central-1")
            .env("AWS_ACCESS_KEY_ID", "bench")
            .env("AWS_SECRET_ACCESS_KEY", "bench")
            .env("ENVIRONMENT", "dev")
            .env("TRADAI_HANDLER", "update-status")
            // As the Lambda image sets it (Dockerfile): the Amazon Trust Services roots.
            .env("SSL_CERT_FILE", CERT_BUNDLE)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn tradai-lambda");
        let (answered_at, _) = api
            .outcome(&id, Duration::from_secs(30))
            .await
            .expect("no answer within 30 s");
        times.push(answered_at - started);
        let _ = child.kill().await;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "tradai-lambda binary (lambda profile): {:.1} MB ({size} bytes)",
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
