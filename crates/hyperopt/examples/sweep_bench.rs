//! The hyperopt side of the sweep benchmark against Optuna + pandas (issue 19, `benches/peers/run-hyperopt`): a
//! TPE sweep of the SMA crossover's entry and exit windows and stop loss, maximising the sharpe ratio, over
//! `synthetic::walk(42, CANDLES, 1h)` (the candles `write_candles` gives the peer as Parquet), every candle
//! traded. Prints one JSON line per seed and writes nothing.
//!
//! `cargo run --release -p tradai-hyperopt --example sweep_bench -- [CANDLES] [TRIALS] [SEEDS] [WORKERS] [ROUND]
//! [SAMPLER]`
//!
//! SEEDS is a comma-separated list (`1,2,3`); WORKERS defaults to every core; ROUND, the trials asked of the
//! sampler at once and told together, to the spec's default; SAMPLER (`tpe` or `random`), to `tpe`. The time
//! is the whole `sweep` call: the sampler's asks and tells, each trial's config and backtest; generating the
//! candles is not timed. `cpu_seconds` is the process's CPU time over the same call (every thread's), which a
//! busy machine inflates less than the wall time.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde_json::{json, Value};
use tradai_backtest::{synthetic, Market, Window};
use tradai_domain::entities::{StrategyConfig, Timeframe};
use tradai_hyperopt::{sweep, Objective, SamplerKind, Spec, TrialState};

/// The seed of the candles (`write_candles` writes the same walk).
const CANDLE_SEED: u64 = 42;

/// The space both sides search: `optuna_hyperopt.py` declares the same.
fn strategy() -> Result<StrategyConfig, serde_json::Error> {
    Ok(StrategyConfig {
        search_space: serde_json::from_value(json!({
            "entry.fast": {"type": "int", "low": 5, "high": 50},
            "entry.slow": {"type": "int", "low": 20, "high": 200},
            "exit.fast": {"type": "int", "low": 5, "high": 50},
            "exit.slow": {"type": "int", "low": 20, "high": 200},
            "stoploss": {"type": "float", "low": -0.2, "high": -0.02},
        }))?,
        ..synthetic::sma_crossover()
    })
}

/// The process's CPU time so far, every thread's, in seconds (`/proc/self/stat`'s utime + stime, counted in
/// the kernel's fixed 100 ticks a second); `NaN` where it cannot be read.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // The fields after the command name (which may hold spaces) start at the state, field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |k: usize| fields.get(k - 3).and_then(|f| f.parse::<f64>().ok());
    match (ticks(14), ticks(15)) {
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => f64::NAN,
    }
}

/// The spec's round size as it serialises (`null` for a crate without one).
fn spec_round(spec: &Spec) -> Value {
    serde_json::to_value(spec)
        .ok()
        .and_then(|v| v.get("round_size").cloned())
        .unwrap_or(Value::Null)
}

/// The `k`-th argument, or `default` when it is absent.
fn arg<T: std::str::FromStr>(args: &[String], k: usize, default: T) -> Result<T, String> {
    args.get(k).map_or(Ok(default), |a| {
        a.parse()
            .map_err(|_| format!("argument {}: '{a}' is not valid", k + 1))
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = arg(&args, 0, 100_000)?;
    let trials: u32 = arg(&args, 1, 500)?;
    let seeds: Vec<u64> = arg(&args, 2, "1,2,3".to_owned())?
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers: usize = arg(&args, 3, cores)?;
    let round: Option<u32> = args.get(4).map(|r| r.parse()).transpose()?;
    let sampler: SamplerKind = serde_json::from_value(json!(arg(&args, 5, "tpe".to_owned())?))?;

    let candles = synthetic::walk(CANDLE_SEED, n, Timeframe::H1);
    let markets = [Market {
        candles: &candles,
        funding: &[],
    }];
    let base = strategy()?;
    for seed in seeds {
        // From JSON, so every field the bench does not set keeps the crate's default (the round size's
        // among them, unless ROUND is given).
        let mut spec = json!({
            "objective": Objective::Sharpe,
            "sampler": sampler,
            "trials": trials,
            "seed": seed,
            "folds": 1,
        });
        if let Some(round) = round {
            spec["round_size"] = round.into();
        }
        let spec: Spec = serde_json::from_value(spec)?;
        let cancel = AtomicBool::new(false);
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let outcome = sweep(
            &base,
            &spec,
            &markets,
            Window::ALL,
            workers,
            &cancel,
            |_, _| {},
        )?;
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let best = outcome.best.map(|b| &outcome.trials[b]);
        let count = |state: TrialState| outcome.trials.iter().filter(|t| t.state == state).count();
        let line = json!({
            "side": "tradai",
            "seed": seed,
            "candles": n,
            "last_close": candles.last().map_or(f64::NAN, |c| c.close),
            "trials": outcome.trials.len(),
            "sampler": sampler,
            "workers": workers,
            "round_size": spec_round(&spec),
            "seconds": seconds,
            "trials_per_second": outcome.trials.len() as f64 / seconds,
            "cpu_seconds": cpu,
            "best_value": best.and_then(|t| t.value),
            "best_params": best.map_or(Value::Null, |t| json!(t.params)),
            "best_trades": best.map(|t| t.trades),
            "invalid": count(TrialState::Invalid),
            "failed": count(TrialState::Failed),
        });
        println!("{line}");
    }
    Ok(())
}
