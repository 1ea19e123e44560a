//! Signals: for each candle, whether the rule fires at its close (it only looks at that candle and earlier
//! ones). A cross needs the previous candle on one side and this one strictly on the other. An entry and an
//! exit rule over the same series (the usual crossover pair) share one pass.
//!
//! They are computed a chunk of [`CHUNK`] candles at a time, in order, by [`Signals::fill`]: the simulation
//! steps through a chunk while its candles are still in cache, so a million candles are read from memory once
//! rather than once per pass (decision F6).

use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig};

use crate::indicators::{bollinger, ema, rsi};

/// Candles whose signals are computed together. The SMA pair's running sums are also re-summed exactly at
/// each chunk's first candle: running sums drift when prices move by orders of magnitude over millions of
/// candles, and a periodic exact sum bounds the drift at a small cost.
pub const CHUNK: usize = 4096;

/// How far ahead of the SMA pair's sums a candle is read into cache (96 candles: 4.5 KB).
const AHEAD: usize = 96;

/// Bit of a crossing above.
const ABOVE: u8 = 1;
/// Bit of a crossing below.
const BELOW: u8 = 2;

/// A long entry fires at this candle's close.
pub const ENTER_LONG: u8 = 1;
/// A long exit fires.
pub const EXIT_LONG: u8 = 2;
/// A short entry fires.
pub const ENTER_SHORT: u8 = 4;
/// A short exit fires.
pub const EXIT_SHORT: u8 = 8;

/// Which side of zero the previous difference was on (neither while it was undefined, `NaN`).
#[derive(Debug, Clone, Copy, Default)]
struct Side {
    at_most_zero: bool,
    at_least_zero: bool,
}

impl Side {
    /// The crossing bits of difference `d` after the previous one ([`ABOVE`] | [`BELOW`]), and `d` becomes
    /// the previous.
    #[inline(always)]
    fn cross(&mut self, d: f64) -> u8 {
        let bits =
            u8::from(self.at_most_zero & (d > 0.0)) | u8::from(self.at_least_zero & (d < 0.0)) << 1;
        (self.at_most_zero, self.at_least_zero) = (d <= 0.0, d >= 0.0);
        bits
    }
}

/// Two series a rule crosses, and the side their difference was on at the last candle filled.
#[derive(Debug)]
struct Series {
    kind: Kind,
    side: Side,
}

#[derive(Debug)]
enum Kind {
    /// Two simple moving averages, from running sums over the candles' closes in place (a copy of a million
    /// closes costs more than the pass), as their difference scaled by both windows
    /// (`fast · slow · (SMA fast - SMA slow)`: the same sign, and no division per candle).
    Sma { fast: usize, slow: usize },
    /// The difference of the two series, computed whole (`NaN` while undefined).
    Difference(Vec<f64>),
}

impl Series {
    fn of(signal: &Signal, candles: &[Candle], closes: &mut Option<Vec<f64>>) -> Series {
        // The closes as a series, copied out once for the rules that need one.
        let closes: &[f64] = match signal {
            Signal::SmaCross { .. } => &[],
            _ => closes.get_or_insert_with(|| candles.iter().map(|c| c.close).collect()),
        };
        let minus = |a: Vec<f64>, b: &[f64]| a.iter().zip(b).map(|(x, y)| x - y).collect();
        let kind = match signal {
            Signal::SmaCross { fast, slow, .. } => Kind::Sma {
                fast: *fast as usize,
                slow: *slow as usize,
            },
            Signal::EmaCross { fast, slow, .. } => Kind::Difference(minus(
                ema(closes, *fast as usize),
                &ema(closes, *slow as usize),
            )),
            Signal::Rsi {
                period, threshold, ..
            } => Kind::Difference(
                rsi(closes, *period as usize)
                    .into_iter()
                    .map(|v| v - threshold)
                    .collect(),
            ),
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
                Kind::Difference(minus(closes.to_vec(), &band))
            }
        };
        Series {
            kind,
            side: Side::default(),
        }
    }

    /// The crossings of candles `from..from + out.len()`, the chunk after the last one filled.
    fn crossings(&mut self, candles: &[Candle], from: usize, out: &mut [u8]) {
        let side = &mut self.side;
        match &self.kind {
            Kind::Difference(d) => {
                for (out, d) in out.iter_mut().zip(&d[from..]) {
                    *out = side.cross(*d);
                }
            }
            &Kind::Sma { fast, slow } => {
                let end = from + out.len();
                // Undefined until the longest window has filled.
                let start = (fast.max(slow) - 1).clamp(from, end);
                out[..start - from].fill(0);
                if start == end {
                    return;
                }
                let window = |p: usize| {
                    candles[start + 1 - p..=start]
                        .iter()
                        .map(|c| c.close)
                        .sum::<f64>()
                };
                let (f, s) = (fast as f64, slow as f64);
                let (mut sum_fast, mut sum_slow) = (window(fast), window(slow));
                out[start - from] = side.cross(sum_fast * s - sum_slow * f);
                let next = candles[start + 1..end]
                    .iter()
                    .zip(&candles[start + 1 - fast..end - fast])
                    .zip(&candles[start + 1 - slow..end - slow])
                    .zip(&mut out[start + 1 - from..]);
                // Reading the candle `AHEAD` of the sums asks memory for it early: the hardware prefetcher
                // alone leaves the loop waiting on most candles (decision F6).
                let ahead = &candles[(start + 1 + AHEAD).min(candles.len())..];
                let mut touched = 0i64;
                for (k, (((now, left_fast), left_slow), out)) in next.enumerate() {
                    if let Some(later) = ahead.get(k) {
                        touched ^= later.open_time;
                    }
                    sum_fast += now.close - left_fast.close;
                    sum_slow += now.close - left_slow.close;
                    *out = side.cross(sum_fast * s - sum_slow * f);
                }
                std::hint::black_box(touched);
            }
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

fn bit(direction: Direction) -> u8 {
    match direction {
        Direction::Above => ABOVE,
        Direction::Below => BELOW,
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

/// An entry rule and its exit rule (absent: never), as `enter` | `leave` flags.
#[derive(Debug)]
struct Pair {
    entry: Series,
    /// `None` when there is no exit rule or it shares the entry's series.
    exit: Option<Series>,
    shared: bool,
    /// The crossing bits of the entry's and the exit's direction (0: no exit).
    bits: (u8, u8),
    flags: (u8, u8),
}

impl Pair {
    fn of(
        entry: &Signal,
        exit: Option<&Signal>,
        candles: &[Candle],
        closes: &mut Option<Vec<f64>>,
        flags: (u8, u8),
    ) -> Pair {
        let shared = exit.is_some_and(|x| same_series(entry, x));
        Pair {
            entry: Series::of(entry, candles, closes),
            exit: exit
                .filter(|_| !shared)
                .map(|x| Series::of(x, candles, closes)),
            shared,
            bits: (bit(direction(entry)), exit.map_or(0, |x| bit(direction(x)))),
            flags,
        }
    }

    /// The flags of the chunk at `from` into `out`, with `scratch` as room for the exit's crossings.
    fn fill(&mut self, candles: &[Candle], from: usize, out: &mut [u8], scratch: &mut Vec<u8>) {
        let (e, x) = self.bits;
        let (enter, leave) = self.flags;
        self.entry.crossings(candles, from, out);
        // The usual crossover pair, entering above and leaving below: the crossings are the flags already.
        if self.shared && (e, x, enter, leave) == (ABOVE, BELOW, ABOVE, BELOW) {
            return;
        }
        scratch.clear();
        scratch.resize(out.len(), 0);
        if let Some(exit) = &mut self.exit {
            exit.crossings(candles, from, scratch);
        } else if self.shared {
            scratch.copy_from_slice(out);
        }
        for (bits, second) in out.iter_mut().zip(scratch.iter()) {
            let entering = if *bits & e != 0 { enter } else { 0 };
            *bits = entering | if second & x != 0 { leave } else { 0 };
        }
    }
}

/// Every rule of a strategy over one symbol's candles, computed a chunk at a time from the first candle on:
/// [`ENTER_LONG`] | [`EXIT_LONG`] | [`ENTER_SHORT`] | [`EXIT_SHORT`] bits per candle. Filling also checks that
/// the candles are in time order.
#[derive(Debug)]
pub struct Signals<'a> {
    candles: &'a [Candle],
    long: Pair,
    short: Option<Pair>,
    /// The first candle not filled yet.
    filled: usize,
    scratch: (Vec<u8>, Vec<u8>),
}

impl<'a> Signals<'a> {
    pub fn new(strategy: &StrategyConfig, candles: &'a [Candle]) -> Signals<'a> {
        let mut closes = None;
        let long = Pair::of(
            &strategy.entry,
            Some(&strategy.exit),
            candles,
            &mut closes,
            (ENTER_LONG, EXIT_LONG),
        );
        let short = strategy.short_entry.as_ref().map(|entry| {
            Pair::of(
                entry,
                strategy.short_exit.as_ref(),
                candles,
                &mut closes,
                (ENTER_SHORT, EXIT_SHORT),
            )
        });
        Signals {
            candles,
            long,
            short,
            filled: 0,
            scratch: Default::default(),
        }
    }

    /// The first candle whose flags the next [`Signals::fill`] writes.
    pub fn filled(&self) -> usize {
        self.filled
    }

    /// The flags of the next chunk (up to [`CHUNK`] candles, none past the last) into `out`, resized to it;
    /// or the first candle out of time order in it and the one it follows.
    pub fn fill(&mut self, out: &mut Vec<u8>) -> Result<(), (i64, i64)> {
        let from = self.filled;
        let end = (from + CHUNK).min(self.candles.len());
        out.clear();
        out.resize(end - from, 0);
        let (scratch, shorts) = &mut self.scratch;
        self.long.fill(self.candles, from, out, scratch);
        if let Some(short) = &mut self.short {
            shorts.clear();
            shorts.resize(out.len(), 0);
            short.fill(self.candles, from, shorts, scratch);
            for (bits, short) in out.iter_mut().zip(shorts.iter()) {
                *bits |= short;
            }
        }
        self.filled = end;
        // The chunk is in cache now: its order costs little to check.
        match self.candles[from.saturating_sub(1)..end]
            .windows(2)
            .find(|w| w[1].open_time <= w[0].open_time)
        {
            Some(w) => Err((w[1].open_time, w[0].open_time)),
            None => Ok(()),
        }
    }
}
