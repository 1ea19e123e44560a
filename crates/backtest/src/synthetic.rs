//! Seeded random-walk candles (a 64-bit LCG, no dependencies): the same data for tests, the engine bench and
//! the pandas baseline, which reads them from a Parquet file (`examples/write_candles.rs`).

use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig, Timeframe};

/// A seeded uniform source in [-0.5, 0.5) (a 64-bit LCG).
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    const A: u64 = 6364136223846793005;
    const C: u64 = 1442695040888963407;
    let mut state = seed.wrapping_mul(A).wrapping_add(C);
    move || {
        state = state.wrapping_mul(A).wrapping_add(C);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    }
}

/// How a generated series moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// A random walk: each close within ±1 % of its open.
    Walk,
    /// A walk with a drift per candle (0.002 = +0.2 %).
    Trending(f64),
    /// Swings around 100 (a 60-candle cycle plus noise): many crossings, little trend.
    Ranging,
    /// A walk with missing candles: about one in 40 is followed by a gap of 1 to 12 candles (prices carry on
    /// across it; only time jumps, as when an exchange was down).
    Gappy,
}

/// `n` candles of `timeframe` from 2024-01-01 shaped by `shape`; each opens at the previous close.
pub fn series(seed: u64, n: usize, timeframe: Timeframe, shape: Shape) -> Vec<Candle> {
    let mut next = uniform(seed);
    let step = timeframe.millis();
    let (mut price, mut time) = (100.0, 1_704_067_200_000i64);
    (0..n)
        .map(|i| {
            let open = price;
            let close = match shape {
                Shape::Walk | Shape::Gappy => open * (1.0 + 0.02 * next()),
                Shape::Trending(drift) => open * (1.0 + drift + 0.02 * next()),
                Shape::Ranging => {
                    let target = 100.0 + 8.0 * (i as f64 * std::f64::consts::TAU / 60.0).sin();
                    (open + 0.3 * (target - open)) * (1.0 + 0.01 * next())
                }
            };
            let high = open.max(close) * (1.0 + 0.01 * (next() + 0.5));
            let low = open.min(close) * (1.0 - 0.01 * (next() + 0.5));
            price = close;
            let candle = Candle {
                open_time: time,
                open,
                high,
                low,
                close,
                volume: 1.0,
            };
            time += step;
            if shape == Shape::Gappy && next() > 0.475 {
                time += step * (1 + ((next() + 0.5) * 12.0) as i64).min(12);
            }
            candle
        })
        .collect()
}

/// `n` candles of `timeframe` from 2024-01-01, each close within ±1 % of its open.
pub fn walk(seed: u64, n: usize, timeframe: Timeframe) -> Vec<Candle> {
    series(seed, n, timeframe, Shape::Walk)
}

/// The bench strategy: SMA 20/50 crossover, long only, 1,000 stake, 5 % stop, 0.1 % fee per side.
pub fn sma_crossover() -> StrategyConfig {
    StrategyConfig::new(
        "sma-crossover",
        Timeframe::H1,
        vec!["BTC/USDT:USDT".parse().expect("a valid symbol")],
        Signal::SmaCross {
            fast: 20,
            slow: 50,
            direction: Direction::Above,
        },
        Signal::SmaCross {
            fast: 20,
            slow: 50,
            direction: Direction::Below,
        },
    )
}
