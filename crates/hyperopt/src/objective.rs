//! What a sweep maximises, and the constraints a trial must meet to count (decision H2).

use serde::{Deserialize, Serialize};
use tradai_backtest::Metrics;

/// The objective, maximised (the reference's default loss is the sharpe ratio).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    #[default]
    Sharpe,
    Sortino,
    /// Net profit over the starting balance.
    ProfitTotal,
    /// Profit over the largest drawdown (the profit when there was none).
    Calmar,
}

impl Objective {
    /// Its name as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Sharpe => "sharpe",
            Objective::Sortino => "sortino",
            Objective::ProfitTotal => "profit_total",
            Objective::Calmar => "calmar",
        }
    }

    /// The objective's value for `metrics` (finite).
    pub fn of(self, metrics: &Metrics) -> f64 {
        let value = match self {
            Objective::Sharpe => metrics.sharpe_ratio,
            Objective::Sortino => metrics.sortino_ratio,
            Objective::ProfitTotal => metrics.profit_total,
            Objective::Calmar if metrics.max_drawdown > 0.0 => {
                metrics.profit_total / metrics.max_drawdown
            }
            Objective::Calmar => metrics.profit_total,
        };
        if value.is_finite() {
            value
        } else {
            0.0
        }
    }
}

/// What a trial must achieve over the whole range to be a candidate for the best.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// At least this many trades.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_trades: Option<u32>,
    /// A largest drawdown of at most this fraction (0.3 = 30 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_drawdown: Option<f64>,
}

impl Constraints {
    /// Why `trades` and `drawdown` miss the constraints, if they do.
    pub fn missed(&self, trades: usize, drawdown: f64) -> Option<String> {
        if let Some(min) = self.min_trades.filter(|m| trades < *m as usize) {
            return Some(format!("{trades} trades, fewer than min_trades {min}"));
        }
        if let Some(max) = self.max_drawdown.filter(|m| drawdown > *m) {
            return Some(format!(
                "a drawdown of {drawdown:.4}, more than max_drawdown {max}"
            ));
        }
        None
    }

    /// Every broken rule, with its field.
    pub fn check(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(d) = self
            .max_drawdown
            .filter(|d| !(d.is_finite() && *d > 0.0 && *d <= 1.0))
        {
            out.push((
                "constraints.max_drawdown".into(),
                format!("{d} is not a fraction above 0 and at most 1"),
            ));
        }
        out
    }
}
