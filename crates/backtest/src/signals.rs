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
        let mut side = Side::default();
        for (i, out) in bits.iter_mut().enumerate() {
            *out = side.cross(difference(i));
        }
        Crossings(bits)
    }
}

/// Which side of zero the previous difference was on (neither while it was undefined, `NaN`).
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    at_most_zero: bool,
    at_least_zero: bool,
}

impl Side {
    /// The crossing bits of difference `d` after the previous one, and `d` becomes the previous.
    #[inline(always)]
    fn cross(&mut self, d: f64) -> u8 {
        let bits =
            u8::from(self.at_most_zero & (d > 0.0)) | u8::from(self.at_least_zero & (d < 0.0)) << 1;
        (self.at_most_zero, self.at_least_zero) = (d <= 0.0, d >= 0.0);
        bits
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

/// Two simple moving averages in one pass (running sums, re-summed exactly from every multiple of [`RESYNC`]
/// candles), as their difference scaled by both windows (`fast · slow · (SMA fast - SMA slow)`: the same sign,
/// and no division per candle). It reads the candles' closes in place: a copy of a million closes costs more
/// than the pass.
///
/// The pass also checks that the candles are in time order (decision F4: no separate pass over them for it).
fn sma_pair(closes: &Closes, fast: usize, slow: usize) -> Crossings {
    let candles = closes.candles;
    let n = candles.len();
    let mut bits = vec![0u8; n];
    let (f, s) = (fast as f64, slow as f64);
    let window = |i: usize, p: usize| candles[i + 1 - p..=i].iter().map(|c| c.close).sum::<f64>();
    let longest = fast.max(slow);
    let mut side = Side::default();
    let mut i = longest - 1;
    let head = &candles[..(longest - 1).min(n)];
    let mut ordered = head.windows(2).all(|w| w[0].open_time < w[1].open_time);
    let mut last = head.last().map_or(i64::MIN, |c| c.open_time);
    while i < n {
        // One chunk: exact sums at its first candle, running sums to the next multiple of RESYNC.
        let end = ((i / RESYNC + 1) * RESYNC).min(n);
        let (mut sum_fast, mut sum_slow) = (window(i, fast), window(i, slow));
        bits[i] = side.cross(sum_fast * s - sum_slow * f);
        ordered &= candles[i].open_time > last;
        last = candles[i].open_time;
        let next = candles[i + 1..end]
            .iter()
            .zip(&candles[i + 1 - fast..end - fast])
            .zip(&candles[i + 1 - slow..end - slow])
            .zip(&mut bits[i + 1..end]);
        for (((now, left_fast), left_slow), out) in next {
            sum_fast += now.close - left_fast.close;
            sum_slow += now.close - left_slow.close;
            *out = side.cross(sum_fast * s - sum_slow * f);
            ordered &= now.open_time > last;
            last = now.open_time;
        }
        i = end;
    }
    closes.ordered.set(Some(ordered));
    Crossings(bits)
}

fn series_pair(first: &[f64], second: &[f64]) -> Crossings {
    Crossings::of_differences(first.len(), |i| first[i] - second[i])
}

/// The candles' closes, copied out only for the rules that need them as a series; and whether the candles are
/// in time order, found by the first pass over them.
struct Closes<'a> {
    candles: &'a [Candle],
    values: std::cell::OnceCell<Vec<f64>>,
    ordered: std::cell::Cell<Option<bool>>,
}

impl Closes<'_> {
    fn get(&self) -> &[f64] {
        self.values.get_or_init(|| {
            let (mut ordered, mut last) = (true, i64::MIN);
            let values = self
                .candles
                .iter()
                .map(|c| {
                    ordered &= c.open_time > last;
                    last = c.open_time;
                    c.close
                })
                .collect();
            self.ordered.set(Some(ordered));
            values
        })
    }

    /// The first candle out of time order and the one it follows, if any.
    fn disorder(&self) -> Option<(i64, i64)> {
        if self.ordered.get() == Some(true) {
            return None;
        }
        self.candles
            .windows(2)
            .find(|w| w[1].open_time <= w[0].open_time)
            .map(|w| (w[1].open_time, w[0].open_time))
    }
}

/// The two series of `signal` crossed, whatever its direction.
fn crossings(signal: &Signal, closes: &Closes) -> Crossings {
    match signal {
        Signal::SmaCross { fast, slow, .. } => sma_pair(closes, *fast as usize, *slow as usize),
        Signal::EmaCross { fast, slow, .. } => {
            let closes = closes.get();
            series_pair(&ema(closes, *fast as usize), &ema(closes, *slow as usize))
        }
        Signal::Rsi {
            period, threshold, ..
        } => {
            let values = rsi(closes.get(), *period as usize);
            Crossings::of_differences(values.len(), |i| values[i] - threshold)
        }
        Signal::Bollinger {
            period,
            std_dev,
            direction,
        } => {
            let closes = closes.get();
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
    closes: &Closes,
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
/// [`EXIT_SHORT`] bits; or the first candle out of time order and the one it follows.
pub fn flags(strategy: &StrategyConfig, candles: &[Candle]) -> Result<Vec<u8>, (i64, i64)> {
    let closes = Closes {
        candles,
        values: Default::default(),
        ordered: Default::default(),
    };
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
    match closes.disorder() {
        Some(disorder) => Err(disorder),
        None => Ok(out),
    }
}
