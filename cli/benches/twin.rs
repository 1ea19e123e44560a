//! The twin benchmark (issue 17 item 7; a benchmark, not a timed test): `tradai twin up --env dev` from start
//! to `ready` (warm: the emulator's and MLflow's venvs installed, the binaries built), then one backtest of
//! the sample strategy end to end through the twin (gateway → queue → consumer → workflow → validation, data,
//! runner task → report), first when its candles must be synced, then when they are stored. Each round boots
//! a fresh twin. It prints the figures for docs/benchmarks.md.
//!
//!   cargo build --features tradai-cli/aws --bin tradai --bin tradai-pulumi --bin tradai-backend \
//!     --bin tradai-strategy --bin tradai-data-collection --bin tradai-lambda --bin tradai-backtest-runner
//!   cargo bench -p tradai-cli --features aws --bench twin --profile dev -- 5

#[allow(dead_code)]
#[path = "../tests/cli/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../tests/cli/twin_boot.rs"]
mod twin_boot;

use std::time::{Duration, Instant};

fn report(what: &str, samples: &mut [Duration]) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<44} n={} min {:>7.0} ms  median {:>7.0} ms  max {:>7.0} ms",
        samples.len(),
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1])
    );
}

fn main() {
    // `cargo bench` passes `--bench`; the first number given is the rounds.
    let rounds = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(3)
        .max(1);
    let ws = helpers::Workspace::new();
    let plan = twin_boot::plan(&ws);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut ready, mut cold, mut warm) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let twin = twin_boot::boot(&ws);
        ready.push(twin.ready_after);
        let token = twin.sign_in(&format!("bench{round}@example.com"), "trader");
        let name = twin.put_sample(&plan);
        for samples in [&mut cold, &mut warm] {
            let started = Instant::now();
            let job = runtime.block_on(twin_boot::submitted_and_ended(
                &twin.banner.gateway,
                &token,
                &name,
            ));
            assert_eq!(job["status"], "COMPLETED", "{job}");
            samples.push(started.elapsed());
        }
        assert!(twin.stop().success());
        eprintln!("round {} of {rounds} done", round + 1);
    }
    println!("== the twin of dev ({rounds} rounds, debug binaries)");
    report("boot to ready (twin up)", &mut ready);
    report("backtest end to end, candles synced first", &mut cold);
    report("backtest end to end, candles stored", &mut warm);
}
