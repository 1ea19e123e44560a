//! Soak benchmark (issue 18, item 6; not a timed test): `SOAK_JOBS` backtest submissions (10,000 by default),
//! `SOAK_CLIENTS` at a time (32), through the platform on AWS adapters (the backend, the backtest workflow
//! with its handlers and the runner, in-process as `tradai local up` runs them) against the emulator, with a
//! fault injected into `SOAK_FAULT_RATE` of the AWS calls (1 %: half refused, half performed with the answer
//! lost). A share `SOAK_KEYED` (1 %) of the submissions carry an Idempotency-Key; each client retries any
//! refusal (with that key when it has one). Only a share is keyed because moto copies both whole tables on
//! every `TransactWriteItems` (its rollback), so keyed submissions cost it time and memory that grow with the
//! table: all keyed, 9 GB within 6 minutes; one in ten, 11.6 GB within 10 minutes of a 10,000-job run (on a
//! 24 GiB machine). DynamoDB's transactions do not grow with the table.
//! When every
//! accepted job has ended (or `SOAK_WAIT_SECONDS` passed), the job sweeper runs as its schedule would, 20 and
//! 40 minutes later. It reports lost jobs (accepted, never ended; goal 0), jobs completed twice (more than one
//! logged run; goal 0), the submit latency a client sees (p50, p99, retries included) and jobs per second.
//!
//! Run: `AWS_ENDPOINT_URL=http://127.0.0.1:5055 cargo bench -p tradai-e2e --bench soak` (without the variable,
//! the harness starts moto itself).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tradai_domain::ports::ModelRegistry;
use tradai_domain::Lifecycle;
use tradai_e2e::{clients_through, platform, request, sweep_as_scheduled, Platform};
use tradai_platform::{AwsSettings, Ports};
use tradai_test_support::emulator;
use tradai_test_support::faults::FaultProxy;

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Submit (under `key`, when given) until accepted; the job id, the time it took and the attempts (`None`:
/// never accepted).
async fn submit(platform: &Platform, key: Option<&str>) -> (Option<String>, Duration, u32) {
    let started = Instant::now();
    let body = request("sma-crossover", "2024-02-01", "2024-02-08");
    for attempt in 1..=50 {
        let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
        let answer = platform
            .send_with("POST", "/api/v1/backtests", &headers, Some(body.clone()))
            .await;
        if answer.status == 202 {
            let id = answer.body["job_id"].as_str().map(str::to_owned);
            return (id, started.elapsed(), attempt);
        }
        tokio::time::sleep(Duration::from_millis(20 * u64::from(attempt))).await;
    }
    (None, started.elapsed(), 50)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn main() {
    let jobs: usize = setting("SOAK_JOBS", 10_000);
    let clients_at_once: usize = setting("SOAK_CLIENTS", 32);
    let fault_rate: f64 = setting("SOAK_FAULT_RATE", 0.01);
    let keyed: f64 = setting("SOAK_KEYED", 0.01);
    let wait = Duration::from_secs(setting("SOAK_WAIT_SECONDS", 1800));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(soak(jobs, clients_at_once, fault_rate, keyed, wait));
}

async fn soak(jobs: usize, clients_at_once: usize, fault_rate: f64, keyed: f64, wait: Duration) {
    let (config, direct_clients, _provisioned) = emulator::provisioned().await;
    let proxy = FaultProxy::start(emulator::endpoint(), 2026).await;
    let clients = clients_through(&config, &proxy).await;
    let mut ports = Ports::aws(&config, &clients, &AwsSettings::default()).expect("ports");
    // Runs are counted per job in a registry of our own (MLflow's outage is a fault test of its own).
    let registry = Arc::new(tradai_memory::MemoryModelRegistry::new());
    ports.registry = registry.clone();
    let direct = Ports::aws(&config, &direct_clients, &AwsSettings::default()).expect("ports");
    let platform = Arc::new(platform(&config, ports).await);
    // One job first, without faults: it syncs the week's candles the others read.
    let (warm, _, _) = submit(&platform, Some("soak-warm-up")).await;
    let warm = warm.expect("the warm-up job is accepted");
    while !direct
        .jobs
        .get(&warm)
        .await
        .ok()
        .flatten()
        .is_some_and(|j| j.status.is_terminal())
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    proxy.set_fault_rate(fault_rate);

    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..clients_at_once {
        let (platform, next) = (platform.clone(), next.clone());
        clients.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n >= jobs {
                    return mine;
                }
                // Every n-th submission is keyed, spread evenly.
                let every = (1.0 / keyed.max(1e-9)).round() as usize;
                let key = (n % every.max(1) == 0).then(|| format!("soak-{n}"));
                mine.push(submit(&platform, key.as_deref()).await);
            }
        }));
    }
    let mut submitted = Vec::new();
    for client in clients {
        submitted.extend(client.await.expect("client"));
    }
    let submitting = started.elapsed();
    let accepted: Vec<String> = submitted.iter().filter_map(|s| s.0.clone()).collect();
    let mut latencies: Vec<Duration> = submitted.iter().map(|s| s.1).collect();
    latencies.sort();
    let retried = submitted.iter().filter(|s| s.2 > 1).count();

    // Wait for every accepted job to end, checking the unfinished ones every few seconds.
    let mut open: Vec<String> = accepted.clone();
    let deadline = Instant::now() + wait;
    while !open.is_empty() && Instant::now() < deadline {
        let mut still = Vec::new();
        for id in open {
            match direct.jobs.get(&id).await {
                Ok(Some(job)) if job.status.is_terminal() => {}
                _ => still.push(id),
            }
        }
        open = still;
        if !open.is_empty() {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }
    let settled = started.elapsed();
    proxy.set_fault_rate(0.0);
    let swept = sweep_as_scheduled(&direct.jobs).await;

    let runs = registry
        .experiment_by_name("backtest-sma-crossover", usize::MAX)
        .await
        .map(|e| e.runs)
        .unwrap_or_default();
    let mut runs_per_job: BTreeMap<String, usize> = BTreeMap::new();
    for run in &runs {
        if let Some(id) = run.tags.get("job_id") {
            *runs_per_job.entry(id.clone()).or_default() += 1;
        }
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    let mut lost = 0;
    for id in &accepted {
        match direct.jobs.get(id).await {
            Ok(Some(job)) if job.status.is_terminal() => {
                let what = match &job.error {
                    Some(e) => {
                        let cause: String = e.cause.chars().take(160).collect();
                        *causes.entry(cause).or_default() += 1;
                        format!("{} {}", job.status, e.error)
                    }
                    None => job.status.to_string(),
                };
                *outcomes.entry(what).or_default() += 1;
            }
            _ => lost += 1,
        }
    }
    let twice = runs_per_job.values().filter(|n| **n > 1).count();
    let faults = proxy.counts();
    println!(
        "## Soak: {jobs} submissions ({:.0} % with an Idempotency-Key), {clients_at_once} clients, {:.1} % of AWS calls faulted",
        keyed * 100.0,
        fault_rate * 100.0
    );
    println!("| measure | value |\n|---|---|");
    println!(
        "| accepted (202) | {} of {jobs} ({retried} after a retry) |",
        accepted.len()
    );
    println!("| lost (accepted, never ended) | {lost} |");
    println!("| completed twice (runs > 1) | {twice} |");
    println!("| outcomes | {outcomes:?} |");
    println!("| failed by the sweeper | {swept} |");
    for (cause, n) in &causes {
        println!("| failure cause ({n}) | {cause} |");
    }
    println!(
        "| submit latency p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "| submissions/s | {:.1} |",
        jobs as f64 / submitting.as_secs_f64()
    );
    println!(
        "| jobs/s (accepted and ended, first submit to last end) | {:.1} ({:.0} s) |",
        (accepted.len() - lost) as f64 / settled.as_secs_f64(),
        settled.as_secs_f64()
    );
    println!(
        "| AWS calls / refused / answer lost | {} / {} / {} |",
        faults.calls, faults.refused, faults.lost
    );
}
