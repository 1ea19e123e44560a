//! Each symbol's part of a portfolio backtest: its trades and their summary. (The wallet's metrics are in
//! `metrics`: with one shared wallet a symbol has no equity curve of its own.)

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{ExitReason, Trade};
use crate::metrics::trade_stats;

/// One symbol's trades and their summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolReport {
    pub summary: Summary,
    pub trades: Vec<Trade>,
}

/// What one symbol's trades add up to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub trade_count: usize,
    pub win_rate: f64,
    /// Net profit of its trades, fees and funding included.
    pub profit_abs: f64,
    /// `profit_abs` over the wallet's starting balance: its share of the portfolio's return.
    pub profit_total: f64,
    pub funding_fees: f64,
    pub best_trade: f64,
    pub worst_trade: f64,
    pub exit_reasons: BTreeMap<ExitReason, usize>,
}

/// The summary of `trades` in a wallet that started with `start`.
pub fn summary(trades: &[Trade], start: f64) -> Summary {
    let profit_abs: f64 = trades.iter().map(|t| t.profit_abs).sum();
    let mut exit_reasons = BTreeMap::new();
    for t in trades {
        *exit_reasons.entry(t.exit_reason).or_insert(0) += 1;
    }
    let (win_rate, best_trade, worst_trade) = trade_stats(trades);
    Summary {
        trade_count: trades.len(),
        win_rate,
        profit_abs,
        profit_total: profit_abs / start,
        funding_fees: trades.iter().map(|t| t.funding_fees).sum(),
        best_trade,
        worst_trade,
        exit_reasons,
    }
}
