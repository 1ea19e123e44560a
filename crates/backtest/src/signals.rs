//! Signals: for each candle, whether the rule fires at its close (it only looks at that candle and earlier
//! ones). A cross needs the previous candle on one side and this one strictly on the other. An entry and an
//! exit rule over the same series (the usual crossover pair) share one pass.

use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig};

use crate::indicators::{bollinger, ema, rsi};

/// Bit of a crossing above in [`Crossings`].
const ABOVE: u8 = 1;
/// Bit of a crossing below.
const BELOW: u8 = 2;

/// Where one rule's first series crosses its second, per candle: [`ABOVE`] | [`BELOW`].
struct Crossings(Vec<u8>);

impl Crossings {
    /// From the per-candle difference `first - second` (`NaN` while undefined).
    fn of_differences(n: usize, mut difference: impl FnMut(usize) -> f64) -> Crossings {
        let mut bits = vec![0u8; n];
        let mut previous = f64::NAN;
        for (i, out) in bits.iter_mut().enumerate() {
            let d = difference(i);
            *out = u8::from(previous <= 0.0 && d > 0.0) | u8::from(previous >= 0.0 && d < 0.0) << 1;
            previous = d;
        }
        Crossings(bits)
    }
}

fn bit(direction: Direction) -> u8 {
    match direction {
        Direction::Above => ABOVE,
        Direction::Below => BELOW,
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

/// A long entry fires at this candle's close.
pub const ENTER_LONG: u8 = 1;
/// A long exit fires.
pub const EXIT_LONG: u8 = 2;
/// A short entry fires.
pub const ENTER_SHORT: u8 = 4;
/// A short exit fires.
pub const EXIT_SHORT: u8 = 8;

/// `entry` and `exit` over `closes` as `enter` | `exit` bits (`exit` absent: never).
fn pair(
    entry: &Signal,
    exit: Option<&Signal>,
    closes: &[f64],
    (enter, leave): (u8, u8),
) -> Vec<u8> {
    let (e, x) = (bit(direction(entry)), exit.map_or(0, |x| bit(direction(x))));
    let shared = exit.is_some_and(|x| same_series(entry, x));
    let Crossings(mut first) = crossings(entry, closes);
    // The usual crossover pair, entering above and leaving below: the crossings are the flags already.
    if shared && (e, x, enter, leave) == (ABOVE, BELOW, ABOVE, BELOW) {
        return first;
    }
    let second = match exit {
        Some(x) if !shared => crossings(x, closes).0,
        _ => Vec::new(),
    };
    for (i, bits) in first.iter_mut().enumerate() {
        let leaves = if shared {
            *bits & x
        } else {
            second.get(i).map_or(0, |b| b & x)
        };
        *bits = if *bits & e != 0 { enter } else { 0 } | if leaves != 0 { leave } else { 0 };
    }
    first
}

/// Every rule of `strategy` at each candle's close, as [`ENTER_LONG`] | [`EXIT_LONG`] | [`ENTER_SHORT`] |
/// [`EXIT_SHORT`] bits.
pub fn flags(strategy: &StrategyConfig, candles: &[Candle]) -> Vec<u8> {
    let closes: Vec<f64> = candles.iter().map(|c| c.close).collect();
    let mut out = pair(
        &strategy.entry,
        Some(&strategy.exit),
        &closes,
        (ENTER_LONG, EXIT_LONG),
    );
    if let Some(entry) = &strategy.short_entry {
        let shorts = pair(
            entry,
            strategy.short_exit.as_ref(),
            &closes,
            (ENTER_SHORT, EXIT_SHORT),
        );
        for (bits, short) in out.iter_mut().zip(shorts) {
            *bits |= short;
        }
    }
    out
}
