//! Summary statistics of a backtest.

use serde::Serialize;
use tradai_domain::entities::Timeframe;

use crate::engine::Trade;

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

/// The metrics of an equity curve and its trades.
pub fn metrics(start: f64, equity: &[f64], trades: &[Trade], timeframe: Timeframe) -> Metrics {
    let final_balance = equity.last().copied().unwrap_or(start);
    let (mut peak, mut max_drawdown) = (start, 0.0f64);
    let (mut sum, mut sum_sq, mut downside_sq) = (0.0, 0.0, 0.0);
    let mut previous = start;
    // The divisions are taken only where they change something: a new largest drawdown, and a candle whose
    // equity moved (a flat candle's return is exactly 0).
    for &value in equity {
        peak = peak.max(value);
        if peak - value > max_drawdown * peak {
            max_drawdown = (peak - value) / peak;
        }
        if value != previous {
            let r = value / previous - 1.0;
            sum += r;
            sum_sq += r * r;
            downside_sq += r.min(0.0) * r.min(0.0);
            previous = value;
        }
    }
    let n = equity.len() as f64;
    let per_year = (365.0 * 86_400.0 / timeframe.seconds() as f64).sqrt();
    let (sharpe_ratio, sortino_ratio) = if equity.len() > 1 {
        let mean = sum / n;
        let variance = (sum_sq - n * mean * mean) / (n - 1.0);
        let downside = (downside_sq / n).sqrt();
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
        max_drawdown,
        sharpe_ratio,
        sortino_ratio,
        best_trade,
        worst_trade,
        candles: equity.len(),
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
