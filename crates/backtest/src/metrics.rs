//! Summary statistics of a backtest.

use serde::Serialize;
use tradai_domain::entities::Timeframe;

use crate::engine::Trade;
use crate::signals::CHUNK;

/// The metrics `result.json` carries (reference §19.1 names profit_total, sharpe_ratio, max_drawdown, win_rate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub starting_balance: f64,
    pub final_balance: f64,
    /// Net profit over the starting balance.
    pub profit_total: f64,
    pub profit_abs: f64,
    pub trade_count: usize,
    pub win_rate: f64,
    /// Largest fall from a peak of equity, as a fraction of that peak.
    pub max_drawdown: f64,
    /// Annualised from per-candle returns of the equity curve.
    pub sharpe_ratio: f64,
    pub sortino_ratio: f64,
    pub best_trade: f64,
    pub worst_trade: f64,
    pub candles: usize,
}

/// The running statistics of an equity curve, folded in a slice at a time.
#[derive(Debug, Clone, Copy)]
struct Stats {
    start: f64,
    peak: f64,
    max_drawdown: f64,
    sum: f64,
    sum_sq: f64,
    downside_sq: f64,
    previous: f64,
    count: usize,
}

impl Stats {
    fn new(start: f64) -> Stats {
        Stats {
            start,
            peak: start,
            max_drawdown: 0.0,
            sum: 0.0,
            sum_sq: 0.0,
            downside_sq: 0.0,
            previous: start,
            count: 0,
        }
    }

    fn fold(&mut self, values: &[f64]) {
        let Stats {
            mut peak,
            mut max_drawdown,
            mut sum,
            mut sum_sq,
            mut downside_sq,
            mut previous,
            ..
        } = *self;
        // Every candle's return, a flat one's included: it is exactly 0 and adds nothing, and without a branch
        // the divisions pipeline. The drawdown's division is taken only at a new largest drawdown.
        for &value in values {
            peak = peak.max(value);
            if peak - value > max_drawdown * peak {
                max_drawdown = (peak - value) / peak;
            }
            let r = value / previous - 1.0;
            sum += r;
            sum_sq += r * r;
            downside_sq += r.min(0.0) * r.min(0.0);
            previous = value;
        }
        *self = Stats {
            peak,
            max_drawdown,
            sum,
            sum_sq,
            downside_sq,
            previous,
            count: self.count + values.len(),
            ..*self
        };
    }

    fn metrics(&self, final_balance: f64, trades: &[Trade], timeframe: Timeframe) -> Metrics {
        let Stats { start, count, .. } = *self;
        let n = count as f64;
        let per_year = (365.0 * 86_400.0 / timeframe.seconds() as f64).sqrt();
        let (sharpe_ratio, sortino_ratio) = if count > 1 {
            let mean = self.sum / n;
            let variance = (self.sum_sq - n * mean * mean) / (n - 1.0);
            let downside = (self.downside_sq / n).sqrt();
            let ratio = |dev: f64| {
                if dev > 1e-15 {
                    mean / dev * per_year
                } else {
                    0.0
                }
            };
            (ratio(variance.max(0.0).sqrt()), ratio(downside))
        } else {
            (0.0, 0.0)
        };
        let (win_rate, best_trade, worst_trade) = trade_stats(trades);
        Metrics {
            starting_balance: start,
            final_balance,
            profit_total: final_balance / start - 1.0,
            profit_abs: final_balance - start,
            trade_count: trades.len(),
            win_rate,
            max_drawdown: self.max_drawdown,
            sharpe_ratio,
            sortino_ratio,
            best_trade,
            worst_trade,
            candles: count,
        }
    }
}

/// The metrics of an equity curve and its trades.
pub fn metrics(start: f64, equity: &[f64], trades: &[Trade], timeframe: Timeframe) -> Metrics {
    let mut stats = Stats::new(start);
    stats.fold(equity);
    stats.metrics(equity.last().copied().unwrap_or(start), trades, timeframe)
}

/// An equity curve recorded value by value, its statistics folded in a chunk at a time while the chunk is
/// still in cache (decision F6). The last value can still be replaced until the curve is closed.
#[derive(Debug)]
pub(crate) struct Curve {
    pub values: Vec<f64>,
    folded: usize,
    stats: Stats,
}

impl Curve {
    pub fn new(start: f64, capacity: usize) -> Curve {
        Curve {
            values: Vec::with_capacity(capacity),
            folded: 0,
            stats: Stats::new(start),
        }
    }

    #[inline(always)]
    pub fn push(&mut self, value: f64) {
        self.values.push(value);
    }

    /// Fold in the values pushed since the last call but the newest, once they make a chunk: the driver calls
    /// it between its steps, so that the statistics' loop runs over values still in cache.
    #[inline]
    pub fn settle(&mut self) {
        if self.values.len() - self.folded > CHUNK {
            self.fold_to(self.values.len() - 1);
        }
    }

    fn fold_to(&mut self, end: usize) {
        self.stats.fold(&self.values[self.folded..end]);
        self.folded = end;
    }

    /// The last value becomes `last` (the wallet once every position is closed), and the curve's metrics.
    pub fn close(
        mut self,
        last: f64,
        trades: &[Trade],
        timeframe: Timeframe,
    ) -> (Vec<f64>, Metrics) {
        if let Some(value) = self.values.last_mut() {
            *value = last;
        }
        self.fold_to(self.values.len());
        let final_balance = self.values.last().copied().unwrap_or(self.stats.start);
        let metrics = self.stats.metrics(final_balance, trades, timeframe);
        (self.values, metrics)
    }
}

/// The share of winning trades, and the best and worst profit ratio (`NaN` without trades).
pub fn trade_stats(trades: &[Trade]) -> (f64, f64, f64) {
    let wins = trades.iter().filter(|t| t.profit_abs > 0.0).count();
    let win_rate = if trades.is_empty() {
        0.0
    } else {
        wins as f64 / trades.len() as f64
    };
    let ratios = trades.iter().map(|t| t.profit_ratio);
    (
        win_rate,
        ratios.clone().fold(f64::NAN, f64::max),
        ratios.fold(f64::NAN, f64::min),
    )
}
