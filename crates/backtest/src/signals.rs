//! Signals: for each candle, whether the rule fires at its close (it only looks at that candle and earlier
//! ones). A cross needs the previous candle on one side and this one strictly on the other. An entry and an
//! exit rule over the same series (the usual crossover pair) share one pass.

use tradai_domain::entities::{Candle, Direction, Signal};

use crate::indicators::{bollinger, ema, rsi};

/// Where one rule's first series crosses above and below its second.
struct Crossings {
    above: Vec<bool>,
    below: Vec<bool>,
}

impl Crossings {
    fn pick(self, direction: Direction) -> Vec<bool> {
        match direction {
            Direction::Above => self.above,
            Direction::Below => self.below,
        }
    }

    /// From the per-candle difference `first - second` (`NaN` while undefined).
    fn of_differences(n: usize, mut difference: impl FnMut(usize) -> f64) -> Crossings {
        let mut above = vec![false; n];
        let mut below = vec![false; n];
        let mut previous = f64::NAN;
        for i in 0..n {
            let d = difference(i);
            above[i] = previous <= 0.0 && d > 0.0;
            below[i] = previous >= 0.0 && d < 0.0;
            previous = d;
        }
        Crossings { above, below }
    }
}

/// Candles between exact recomputations of the running sums: running sums drift when prices move by orders of
/// magnitude over millions of candles, and a periodic exact sum bounds the drift at a small cost.
const RESYNC: usize = 4096;

/// Two simple moving averages in one pass (running sums, re-summed exactly every [`RESYNC`] candles), as
/// their difference.
fn sma_pair(closes: &[f64], fast: usize, slow: usize) -> Crossings {
    let (mut sum_fast, mut sum_slow) = (0.0, 0.0);
    let (f, s) = (fast as f64, slow as f64);
    let window = |i: usize, p: usize| closes[(i + 1).saturating_sub(p)..=i].iter().sum::<f64>();
    Crossings::of_differences(closes.len(), |i| {
        if i % RESYNC == 0 {
            (sum_fast, sum_slow) = (window(i, fast), window(i, slow));
        } else {
            sum_fast += closes[i] - if i >= fast { closes[i - fast] } else { 0.0 };
            sum_slow += closes[i] - if i >= slow { closes[i - slow] } else { 0.0 };
        }
        if i + 1 >= fast.max(slow) {
            sum_fast / f - sum_slow / s
        } else {
            f64::NAN
        }
    })
}

fn series_pair(first: &[f64], second: &[f64]) -> Crossings {
    Crossings::of_differences(first.len(), |i| first[i] - second[i])
}

/// The two series of `signal` crossed, whatever its direction.
fn crossings(signal: &Signal, closes: &[f64]) -> Crossings {
    match signal {
        Signal::SmaCross { fast, slow, .. } => sma_pair(closes, *fast as usize, *slow as usize),
        Signal::EmaCross { fast, slow, .. } => {
            series_pair(&ema(closes, *fast as usize), &ema(closes, *slow as usize))
        }
        Signal::Rsi {
            period, threshold, ..
        } => {
            let values = rsi(closes, *period as usize);
            Crossings::of_differences(values.len(), |i| values[i] - threshold)
        }
        Signal::Bollinger {
            period,
            std_dev,
            direction,
        } => {
            let (lower, upper) = bollinger(closes, *period as usize, *std_dev);
            let band = if *direction == Direction::Below {
                lower
            } else {
                upper
            };
            series_pair(closes, &band)
        }
    }
}

fn direction(signal: &Signal) -> Direction {
    match signal {
        Signal::SmaCross { direction, .. }
        | Signal::EmaCross { direction, .. }
        | Signal::Rsi { direction, .. }
        | Signal::Bollinger { direction, .. } => *direction,
    }
}

/// Whether two rules compare the same two series (they may differ in direction only). Bollinger rules use
/// the band of their direction, so they never share.
fn same_series(a: &Signal, b: &Signal) -> bool {
    match (a, b) {
        (
            Signal::SmaCross {
                fast: f1, slow: s1, ..
            },
            Signal::SmaCross {
                fast: f2, slow: s2, ..
            },
        )
        | (
            Signal::EmaCross {
                fast: f1, slow: s1, ..
            },
            Signal::EmaCross {
                fast: f2, slow: s2, ..
            },
        ) => f1 == f2 && s1 == s2,
        (
            Signal::Rsi {
                period: p1,
                threshold: t1,
                ..
            },
            Signal::Rsi {
                period: p2,
                threshold: t2,
                ..
            },
        ) => p1 == p2 && t1 == t2,
        _ => false,
    }
}

/// Where `entry` and `exit` fire over `candles`.
pub fn entry_exit(entry: &Signal, exit: &Signal, candles: &[Candle]) -> (Vec<bool>, Vec<bool>) {
    let closes: Vec<f64> = candles.iter().map(|c| c.close).collect();
    if same_series(entry, exit) {
        let Crossings { above, below } = crossings(entry, &closes);
        return match (direction(entry), direction(exit)) {
            (Direction::Above, Direction::Below) => (above, below),
            (Direction::Below, Direction::Above) => (below, above),
            (Direction::Above, Direction::Above) => (above.clone(), above),
            (Direction::Below, Direction::Below) => (below.clone(), below),
        };
    }
    (
        crossings(entry, &closes).pick(direction(entry)),
        crossings(exit, &closes).pick(direction(exit)),
    )
}
