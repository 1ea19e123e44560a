//! Conformance with an independent engine (decision F5): generated candle series (trending, ranging, with
//! gaps) and generated strategies from the whole rule set, each run by this engine and by backtesting.py
//! (`reference.py`, in the venv `scripts/install-backtesting` creates). Both must give the same trades: entry
//! and exit candle, side, exit reason, and the return on the notional net of both fees. Slippage is 0 here
//! (backtesting.py's `spread` applies to entries only); `tests/reference` covers it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use tradai_backtest::synthetic::{series, uniform, Shape};
use tradai_backtest::{backtest, Market, Settings, Trade, Window};
use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig, Timeframe};

const CANDLES: usize = 1500;
/// The range starts here; the candles before it warm the indicators.
const START: usize = 300;

/// The venv's python: `TRADAI_BACKTESTING_PYTHON` (set by `scripts/test`), else what the install script prints.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("TRADAI_BACKTESTING_PYTHON") {
        return path.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(root.join("scripts/install-backtesting"))
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/install-backtesting runs");
    assert!(out.status.success(), "scripts/install-backtesting failed");
    String::from_utf8(out.stdout).expect("a path").trim().into()
}

/// backtesting.py's trades for each case.
fn reference(cases: &[Value]) -> Vec<Vec<Value>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/reference.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the reference starts");
    let input = serde_json::to_vec(cases).expect("json");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("cases written");
    let out = child.wait_with_output().expect("the reference ends");
    assert!(out.status.success(), "reference.py failed");
    serde_json::from_slice(&out.stdout).expect("the reference's JSON")
}

/// A random rule; `direction` for its crossing.
fn signal(next: &mut impl FnMut() -> f64, direction: Direction) -> Signal {
    let pick = |next: &mut dyn FnMut() -> f64, lo: u32, hi: u32| {
        lo + ((next() + 0.5) * f64::from(hi - lo)) as u32
    };
    match ((next() + 0.5) * 4.0) as u32 {
        0 => {
            let fast = pick(next, 3, 20);
            Signal::SmaCross {
                fast,
                slow: fast + pick(next, 5, 40),
                direction,
            }
        }
        1 => {
            let fast = pick(next, 3, 15);
            Signal::EmaCross {
                fast,
                slow: fast + pick(next, 5, 30),
                direction,
            }
        }
        2 => Signal::Rsi {
            period: pick(next, 5, 25),
            threshold: f64::from(pick(next, 25, 75)),
            direction,
        },
        _ => Signal::Bollinger {
            period: pick(next, 10, 30),
            std_dev: 1.0 + (next() + 0.5) * 1.5,
            direction,
        },
    }
}

/// A random strategy over the rule set: signals, stop, fee, ROI table, trailing stop, shorts and leverage.
fn strategy(seed: u64) -> StrategyConfig {
    let mut next = uniform(seed);
    let coin = |p: f64, next: &mut dyn FnMut() -> f64| next() + 0.5 < p;
    let entry = signal(&mut next, Direction::Above);
    let exit = if coin(0.5, &mut next) {
        match &entry {
            Signal::SmaCross { fast, slow, .. } => Signal::SmaCross {
                fast: *fast,
                slow: *slow,
                direction: Direction::Below,
            },
            _ => signal(&mut next, Direction::Below),
        }
    } else {
        signal(&mut next, Direction::Below)
    };
    let shorts = coin(0.4, &mut next);
    let leverage = if shorts {
        [1.0, 2.0, 5.0][((next() + 0.5) * 3.0) as usize]
    } else {
        1.0
    };
    let minimal_roi = if coin(0.5, &mut next) {
        let first = 0.02 + (next() + 0.5) * 0.1;
        [(0, first), (240, first / 2.0), (720, 0.0)]
            .into_iter()
            .take(1 + ((next() + 0.5) * 3.0) as usize)
            .collect()
    } else {
        Default::default()
    };
    let trailing_stop = coin(0.5, &mut next);
    let positive = (trailing_stop && coin(0.5, &mut next)).then(|| 0.005 + (next() + 0.5) * 0.02);
    let offset = if positive.is_some() && coin(0.5, &mut next) {
        positive.unwrap_or(0.0) + 0.01
    } else {
        0.0
    };
    StrategyConfig {
        stoploss: -0.02 - (next() + 0.5) * 0.1,
        fee: [0.0005, 0.001][usize::from(coin(0.5, &mut next))],
        minimal_roi,
        trailing_stop,
        trailing_stop_positive: positive,
        trailing_stop_positive_offset: offset,
        trailing_only_offset_is_reached: positive.is_some() && coin(0.3, &mut next),
        short_entry: shorts.then(|| signal(&mut next, Direction::Below)),
        short_exit: (shorts && coin(0.7, &mut next)).then(|| signal(&mut next, Direction::Above)),
        leverage,
        ..StrategyConfig::new(
            "conformance",
            Timeframe::H1,
            vec!["BTC/USDT:USDT".parse().expect("symbol")],
            entry,
            exit,
        )
    }
}

/// A case whose range starts at `start`'s open time.
fn case(strategy: &StrategyConfig, candles: &[Candle], start: i64) -> Value {
    let start = candles.partition_point(|c| c.open_time < start);
    let rows: Vec<Value> = candles
        .iter()
        .map(|c| json!([c.open_time, c.open, c.high, c.low, c.close]))
        .collect();
    json!({"strategy": strategy, "candles": rows, "start": start})
}

/// Our trades in the reference's terms: candle indices and the return on the notional.
fn ours(trades: &[Trade], candles: &[Candle], leverage: f64) -> Vec<Value> {
    let index = |t: i64| candles.partition_point(|c| c.open_time < t);
    trades
        .iter()
        .map(|t| {
            json!({"side": t.side, "entry": index(t.entry_time), "exit": index(t.exit_time),
                   "reason": t.exit_reason, "return": t.profit_ratio / leverage})
        })
        .collect()
}

fn agree(label: &str, ours: &[Value], theirs: &[Value]) {
    let key = |t: &Value| {
        (
            t["entry"].clone(),
            t["exit"].clone(),
            t["side"].clone(),
            t["reason"].clone(),
        )
    };
    let (a, b): (Vec<_>, Vec<_>) = (
        ours.iter().map(key).collect(),
        theirs.iter().map(key).collect(),
    );
    assert_eq!(a, b, "{label}: the trades differ");
    for (x, y) in ours.iter().zip(theirs) {
        let (x, y) = (
            x["return"].as_f64().unwrap_or(f64::NAN),
            y["return"].as_f64().unwrap_or(f64::NAN),
        );
        assert!(
            (x - y).abs() < 1e-9,
            "{label}: return {x} vs the reference's {y}"
        );
    }
}

const NO_SLIP: Settings = Settings {
    slippage: 0.0,
    starting_balance: None,
};

#[test]
fn generated_strategies_trade_as_backtesting_py_does() {
    let shapes = [
        Shape::Trending(0.002),
        Shape::Trending(-0.002),
        Shape::Ranging,
        Shape::Gappy,
    ];
    let mut cases = Vec::new();
    let mut runs = Vec::new();
    for (k, shape) in shapes.iter().enumerate() {
        let candles = series(100 + k as u64, CANDLES, Timeframe::H1, *shape);
        for s in 0..12u64 {
            let strategy = strategy(1000 * k as u64 + s);
            assert!(strategy.check().is_empty(), "{:?}", strategy.check());
            cases.push(case(&strategy, &candles, candles[START].open_time));
            runs.push((format!("{shape:?} #{s}"), strategy, candles.clone()));
        }
    }
    let theirs = reference(&cases);
    let (mut trades, mut reasons) = (0, std::collections::BTreeSet::new());
    for ((label, strategy, candles), theirs) in runs.iter().zip(&theirs) {
        let market = Market {
            candles,
            funding: &[],
        };
        let window = Window {
            start: candles[START].open_time,
            end: i64::MAX,
        };
        let p = backtest(strategy, &[market], window, &NO_SLIP).expect("runs");
        let ours = ours(&p.symbols[0].trades, candles, strategy.leverage);
        agree(label, &ours, theirs);
        trades += ours.len();
        reasons.extend(
            ours.iter()
                .map(|t| format!("{}/{}", t["side"], t["reason"])),
        );
    }
    // The suite is only worth something if the cases reach every rule.
    assert!(trades > 500, "{trades} trades");
    for reason in [
        "signal",
        "stop_loss",
        "trailing_stop",
        "roi",
        "end_of_range",
    ] {
        assert!(
            reasons
                .iter()
                .any(|r| r.ends_with(&format!("\"{reason}\""))),
            "no {reason} exit in {reasons:?}"
        );
    }
    assert!(
        reasons.iter().any(|r| r.starts_with("\"short\"")),
        "no short in {reasons:?}"
    );
}

#[test]
fn a_portfolio_without_a_binding_cap_trades_each_symbol_as_the_reference_does_alone() {
    // max_open_trades = the number of symbols: the shared wallet changes the stakes, never the trades.
    let strategy = StrategyConfig {
        symbols: ["AAA/USDT:USDT", "BBB/USDT:USDT", "CCC/USDT:USDT"]
            .map(|s| s.parse().expect("symbol"))
            .to_vec(),
        max_open_trades: Some(3),
        ..strategy(7)
    };
    let data: Vec<Vec<Candle>> = [Shape::Ranging, Shape::Gappy, Shape::Trending(0.001)]
        .iter()
        .enumerate()
        .map(|(k, shape)| series(40 + k as u64, CANDLES, Timeframe::H1, *shape))
        .collect();
    // One window for all: the gappy series reaches that time at an earlier candle than the others.
    let start = data
        .iter()
        .map(|c| c[START].open_time)
        .min()
        .expect("candles");
    let theirs = reference(
        &data
            .iter()
            .map(|c| case(&strategy, c, start))
            .collect::<Vec<_>>(),
    );
    let markets: Vec<Market> = data
        .iter()
        .map(|candles| Market {
            candles,
            funding: &[],
        })
        .collect();
    let p = backtest(
        &strategy,
        &markets,
        Window {
            start,
            end: i64::MAX,
        },
        &NO_SLIP,
    )
    .expect("runs");
    for (k, (candles, theirs)) in data.iter().zip(&theirs).enumerate() {
        agree(
            &format!("symbol {k}"),
            &ours(&p.symbols[k].trades, candles, strategy.leverage),
            theirs,
        );
    }
}
