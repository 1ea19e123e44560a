//! Throughput and latency of the backend over loopback: `POST /api/v1/backtests` and `GET
//! /api/v1/backtests/{id}` on in-memory adapters, with a real bearer token verified on every request.
//! Run: `cargo bench -p tradai-backend --bench api`: the backend runs in a second process of this binary
//! (`BENCH_ROLE=server`), so its CPU time is measured apart from the load generator's. With
//! `BENCH_TARGET=http://127.0.0.1:PORT`, `BENCH_TOKEN=...` and `BENCH_SERVER_PID` it drives another server
//! exposing the same routes instead (the FastAPI peer, `./benches/peers/run`).
//!
//! Two measurements per route: closed loop (`CONCURRENCY` clients as fast as they can for `SECONDS`) for
//! requests/s, and open loop at a fixed 2,000 requests/s for p50/p99 at that rate.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tradai_config::{Environment, Loader};
use tradai_platform::ExecutorKind;
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::testing::{access_claims, JwksServer, Key};

const CONCURRENCY: usize = 32;
const SECONDS: u64 = 5;
const RATE: u64 = 2000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn body() -> serde_json::Value {
    json!({"strategy": "sma-crossover", "timeframe": "1h", "start_date": "2024-01-01", "end_date": "2024-06-30", "symbols": ["BTC/USDT:USDT"]})
}

async fn call(client: &reqwest::Client, base: &str, token: &str, job: Option<&str>) -> Duration {
    let started = Instant::now();
    let request = match job {
        Some(id) => client.get(format!("{base}/api/v1/backtests/{id}")),
        None => client
            .post(format!("{base}/api/v1/backtests"))
            .json(&body()),
    };
    let response = request.bearer_auth(token).send().await.expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    let _ = response.bytes().await;
    started.elapsed()
}

/// Closed loop: requests/s and latencies with `CONCURRENCY` clients for `SECONDS`.
async fn closed(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    job: Option<&str>,
) -> (f64, Vec<Duration>) {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    // Collected before awaiting, so all workers run at once (a lazy map would run them one after another).
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, base, token, job) = (
                client.clone(),
                base.to_owned(),
                token.to_owned(),
                job.map(str::to_owned),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    latencies.push(call(&client, &base, &token, job.as_deref()).await);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.expect("worker"));
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rate, all)
}

/// Open loop: requests started at `RATE` per second for `SECONDS`, whatever the answers' pace.
async fn open(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    job: Option<&str>,
) -> Vec<Duration> {
    let interval = Duration::from_secs_f64(1.0 / RATE as f64);
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for _ in 0..RATE * SECONDS {
        ticker.tick().await;
        let (client, base, token, job) = (
            client.clone(),
            base.to_owned(),
            token.to_owned(),
            job.map(str::to_owned),
        );
        tasks.push(tokio::spawn(async move {
            call(&client, &base, &token, job.as_deref()).await
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.push(task.await.expect("task"));
    }
    all.sort();
    all
}

/// The server under test: its base URL, a token it accepts, and its process id (for its CPU time).
struct Target {
    base: String,
    token: String,
    pid: Option<u32>,
    child: Option<Child>,
}

/// `BENCH_ROLE=server`: run the in-memory backend with a loopback JWKS, print `READY <url> <token>`, serve
/// until killed.
async fn serve() {
    let config = Loader::embedded()
        .without_env_vars()
        .load(Environment::Dev)
        .expect("valid");
    let key = Key::new("bench");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let memory = tradai_platform::MemoryPorts::new(&config).expect("ports");
    let executor = memory.executor(ExecutorKind::Sqs).expect("executor");
    let state = tradai_backend::AppState::new(
        &config,
        &memory.ports(),
        executor,
        "http://127.0.0.1:9",
        Arc::new(jwks.verifier()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let token = key.sign(&access_claims(&jwks.issuer()));
    println!("READY {base} {token}");
    let app = tradai_backend::router(state, &HttpOptions::default());
    axum::serve(listener, app).await.expect("serve");
}

/// `BENCH_TARGET` + `BENCH_TOKEN` (+ `BENCH_SERVER_PID`): another server; otherwise this binary started again
/// as the Rust backend in its own process, so its CPU time is its own.
fn target() -> Target {
    if let Ok(base) = std::env::var("BENCH_TARGET") {
        let token = std::env::var("BENCH_TOKEN")
            .expect("BENCH_TARGET is set, so BENCH_TOKEN must hold a token that server accepts");
        let pid = std::env::var("BENCH_SERVER_PID")
            .ok()
            .and_then(|p| p.parse().ok());
        return Target {
            base,
            token,
            pid,
            child: None,
        };
    }
    let mut child = Command::new(std::env::current_exe().expect("this binary"))
        .env("BENCH_ROLE", "server")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the backend process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("READY line");
    let mut words = line.split_whitespace().skip(1);
    let (base, token) = (
        words.next().expect("url").to_owned(),
        words.next().expect("token").to_owned(),
    );
    Target {
        base,
        token,
        pid: Some(child.id()),
        child: Some(child),
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
        }
    }
}

/// CPU seconds (user + system, all threads) `pid` has used, from `/proc/<pid>/stat` (USER_HZ = 100).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

#[tokio::main]
async fn main() {
    if std::env::var("BENCH_ROLE").as_deref() == Ok("server") {
        serve().await;
        return;
    }
    let target = target();
    let (base, token) = (target.base.clone(), target.token.clone());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/backtests"))
        .bearer_auth(&token)
        .json(&body())
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let job = created["job_id"].as_str().expect("job id").to_owned();
    println!("target {base}; closed loop {CONCURRENCY} clients × {SECONDS} s; open loop {RATE} req/s × {SECONDS} s");
    for (name, job) in [
        ("POST /api/v1/backtests", None),
        ("GET /api/v1/backtests/{id}", Some(job.as_str())),
    ] {
        let before = target.pid.and_then(cpu_seconds);
        let (rate, closed) = closed(&client, &base, &token, job).await;
        let after = target.pid.and_then(cpu_seconds);
        let fixed = open(&client, &base, &token, job).await;
        let mean = closed.iter().sum::<Duration>().as_secs_f64() / closed.len().max(1) as f64;
        let cpu = match (before, after) {
            (Some(b), Some(a)) if a > b => format!(
                "server CPU {:.0} µs/req = {:.0} req per CPU-s",
                (a - b) * 1e6 / closed.len() as f64,
                closed.len() as f64 / (a - b)
            ),
            _ => "server CPU not measured".to_owned(),
        };
        println!(
            "{name:<28} {rate:>9.0} req/s  closed mean {:>7.2} ms p50 {:>7.2} ms p99 {:>7.2} ms max {:>7.2} ms  |  {cpu}  |  at {RATE} req/s: p50 {:>6.2} ms p99 {:>6.2} ms",
            mean * 1e3,
            percentile(&closed, 0.5).as_secs_f64() * 1e3,
            percentile(&closed, 0.99).as_secs_f64() * 1e3,
            closed.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            percentile(&fixed, 0.5).as_secs_f64() * 1e3,
            percentile(&fixed, 0.99).as_secs_f64() * 1e3,
        );
    }
}
