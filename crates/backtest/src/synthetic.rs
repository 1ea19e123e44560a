//! Seeded random-walk candles (a 64-bit LCG, no dependencies): the same data for tests, the engine bench and
//! the pandas baseline, which reads them from a Parquet file (`examples/write_candles.rs`).

use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig, Timeframe};

/// `n` candles of `timeframe` from 2024-01-01, each close within ±1 % of its open.
pub fn walk(seed: u64, n: usize, timeframe: Timeframe) -> Vec<Candle> {
    const A: u64 = 6364136223846793005;
    const C: u64 = 1442695040888963407;
    let mut state = seed.wrapping_mul(A).wrapping_add(C);
    let mut next = move || {
        state = state.wrapping_mul(A).wrapping_add(C);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let step = timeframe.millis();
    let mut price = 100.0;
    (0..n)
        .map(|i| {
            let open = price;
            let close = open * (1.0 + 0.02 * next());
            let high = open.max(close) * (1.0 + 0.01 * (next() + 0.5));
            let low = open.min(close) * (1.0 - 0.01 * (next() + 0.5));
            price = close;
            Candle {
                open_time: 1_704_067_200_000 + i as i64 * step,
                open,
                high,
                low,
                close,
                volume: 1.0,
            }
        })
        .collect()
}

/// The bench strategy: SMA 20/50 crossover, long only, 1,000 stake, 5 % stop, 0.1 % fee per side.
pub fn sma_crossover() -> StrategyConfig {
    StrategyConfig {
        name: "sma-crossover".into(),
        description: String::new(),
        timeframe: Timeframe::H1,
        symbols: vec!["BTC/USDT:USDT".parse().expect("a valid symbol")],
        stake_amount: 1000.0,
        stoploss: -0.05,
        fee: 0.001,
        entry: Signal::SmaCross {
            fast: 20,
            slow: 50,
            direction: Direction::Above,
        },
        exit: Signal::SmaCross {
            fast: 20,
            slow: 50,
            direction: Direction::Below,
        },
    }
}
