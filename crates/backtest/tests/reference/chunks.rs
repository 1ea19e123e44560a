//! The signals are computed a chunk of candles at a time (decision F6). What they carry from one chunk to the
//! next (which side of each other the two series were on, the running sums, the warm-up) must make a crossing
//! on a chunk's first candle, and a disorder across two chunks, exactly what they are anywhere else.

use tradai_backtest::signals::CHUNK;
use tradai_backtest::{backtest, Market, Settings, Window};
use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig, Timeframe};

const HOUR: i64 = 3_600_000;

/// Flat at 100 up to candle `step`, 101 from it on: the fast averages cross above the slow ones at `step`'s
/// close, and the entry fills at the next open.
fn step_at(step: usize, n: usize) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            let p = if i < step { 100.0 } else { 101.0 };
            Candle {
                open_time: i as i64 * HOUR,
                open: p,
                high: p,
                low: p,
                close: p,
                volume: 1.0,
            }
        })
        .collect()
}

fn strategy(entry: Signal, exit: Signal) -> StrategyConfig {
    StrategyConfig {
        stoploss: -0.5,
        fee: 0.0,
        ..StrategyConfig::new(
            "chunks",
            Timeframe::H1,
            vec!["BTC/USDT:USDT".parse().expect("symbol")],
            entry,
            exit,
        )
    }
}

fn rules() -> [StrategyConfig; 2] {
    let sma = |direction| Signal::SmaCross {
        fast: 5,
        slow: 20,
        direction,
    };
    let ema = |direction| Signal::EmaCross {
        fast: 5,
        slow: 20,
        direction,
    };
    [
        strategy(sma(Direction::Above), sma(Direction::Below)),
        strategy(ema(Direction::Above), ema(Direction::Below)),
    ]
}

fn entries(strategy: &StrategyConfig, candles: &[Candle], window: Window) -> Vec<i64> {
    let market = Market {
        candles,
        funding: &[],
    };
    let settings = Settings {
        slippage: 0.0,
        starting_balance: None,
    };
    let portfolio = backtest(strategy, &[market], window, &settings).expect("runs");
    portfolio.symbols[0]
        .trades
        .iter()
        .map(|t| t.entry_time)
        .collect()
}

#[test]
fn a_crossing_on_a_chunks_first_candle_is_traded() {
    for step in [CHUNK, 2 * CHUNK, 2 * CHUNK - 1, 2 * CHUNK + 1] {
        let candles = step_at(step, 3 * CHUNK + 77);
        for strategy in rules() {
            let expected = vec![(step as i64 + 1) * HOUR];
            assert_eq!(
                entries(&strategy, &candles, Window::ALL),
                expected,
                "step at {step}, {:?}",
                strategy.entry
            );
            // The range starting three candles before the crossing, with chunks of warm-up before it.
            let window = Window {
                start: (step as i64 - 3) * HOUR,
                end: i64::MAX,
            };
            assert_eq!(entries(&strategy, &candles, window), expected);
        }
    }
}

#[test]
fn a_disorder_in_a_later_chunk_or_across_two_is_refused() {
    for at in [CHUNK - 1, CHUNK + 3, 2 * CHUNK + 10] {
        let mut candles = step_at(10 * CHUNK, 3 * CHUNK);
        candles.swap(at, at + 1);
        for strategy in rules() {
            let market = [Market {
                candles: &candles,
                funding: &[],
            }];
            let settings = Settings::default();
            let err = backtest(&strategy, &market, Window::ALL, &settings).expect_err("disorder");
            assert!(err.to_string().contains("time order"), "{at}: {err}");
            // In the warm-up of an empty range as well.
            let late = Window {
                start: (3 * CHUNK as i64) * HOUR,
                end: i64::MAX,
            };
            let err = backtest(&strategy, &market, late, &settings).expect_err("in the warm-up");
            assert!(err.to_string().contains("time order"), "{at}: {err}");
        }
    }
}
