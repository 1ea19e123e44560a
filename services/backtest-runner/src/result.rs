//! The result document (decision S7): `backtests/<job_id>/result.json` in the results bucket, with `metrics`,
//! `equity_curve` and `trades`; several symbols trade from one wallet (decision F4), each with its summary.

use std::collections::BTreeMap;

use serde::Serialize;
use tradai_backtest::{Metrics, Portfolio, Summary, Trade};
use tradai_domain::entities::{BacktestJob, Timeframe};

/// Equity points kept in the document, at most (the whole curve feeds the metrics).
pub const MAX_EQUITY_POINTS: usize = 5000;

#[derive(Debug, Clone, Serialize)]
pub struct EquityPoint {
    pub date: String,
    pub equity: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TradeView {
    pub symbol: String,
    pub entry_date: String,
    pub exit_date: String,
    #[serde(flatten)]
    pub trade: Trade,
}

/// `result.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ResultDocument {
    pub job_id: String,
    pub trace_id: String,
    pub strategy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_version_id: Option<String>,
    pub timeframe: Timeframe,
    /// The range traded: from `start_date` (included) up to `end_date` (excluded), both at 00:00 UTC.
    pub start_date: String,
    pub end_date: String,
    /// Candles loaded before `start_date` to warm the indicators.
    pub startup_candles: u32,
    pub metrics: Metrics,
    pub per_symbol: BTreeMap<String, Summary>,
    pub equity_curve: Vec<EquityPoint>,
    pub trades: Vec<TradeView>,
}

fn iso(millis: i64) -> String {
    tradai_domain::entities::Timestamp::from_millis(millis).iso_seconds()
}

/// Every `step`-th point, and always the last.
fn downsample(times: &[i64], equity: &[f64]) -> Vec<EquityPoint> {
    let step = times.len().div_ceil(MAX_EQUITY_POINTS).max(1);
    let mut points: Vec<EquityPoint> = (0..times.len())
        .step_by(step)
        .map(|i| EquityPoint {
            date: iso(times[i]),
            equity: equity[i],
        })
        .collect();
    if let (Some(&t), Some(&e)) = (times.last(), equity.last()) {
        if (times.len() - 1) % step != 0 {
            points.push(EquityPoint {
                date: iso(t),
                equity: e,
            });
        }
    }
    points
}

/// Every trade of `portfolio` (its symbols named in the order of `symbols`), oldest entry first.
fn trades(symbols: &[String], portfolio: &Portfolio) -> Vec<TradeView> {
    let mut trades: Vec<TradeView> = symbols
        .iter()
        .zip(&portfolio.symbols)
        .flat_map(|(symbol, report)| {
            report.trades.iter().map(|t| TradeView {
                symbol: symbol.clone(),
                entry_date: iso(t.entry_time),
                exit_date: iso(t.exit_time),
                trade: t.clone(),
            })
        })
        .collect();
    trades.sort_by(|a, b| (a.trade.entry_time, &a.symbol).cmp(&(b.trade.entry_time, &b.symbol)));
    trades
}

/// The registry's view of `m`: the metrics compare-models and drift-monitor read.
pub fn logged_metrics(m: &Metrics) -> BTreeMap<String, f64> {
    BTreeMap::from([
        ("profit_total".to_owned(), m.profit_total),
        ("sharpe_ratio".to_owned(), m.sharpe_ratio),
        ("sortino_ratio".to_owned(), m.sortino_ratio),
        ("max_drawdown".to_owned(), m.max_drawdown),
        ("win_rate".to_owned(), m.win_rate),
        ("trade_count".to_owned(), m.trade_count as f64),
    ])
}

/// The document of `job` from its portfolio backtest over `symbols` (in the order of its markets).
pub fn document(
    job: &BacktestJob,
    startup_candles: u32,
    symbols: &[String],
    portfolio: &Portfolio,
) -> ResultDocument {
    ResultDocument {
        job_id: job.job_id.clone(),
        trace_id: job.trace_id.clone(),
        strategy: job.config.strategy.clone(),
        config_version_id: job.config.config_version_id.clone(),
        timeframe: job.config.timeframe,
        start_date: job.config.start_date.to_string(),
        end_date: job.config.end_date.to_string(),
        startup_candles,
        metrics: portfolio.metrics.clone(),
        per_symbol: symbols
            .iter()
            .zip(&portfolio.symbols)
            .map(|(symbol, report)| (symbol.clone(), report.summary.clone()))
            .collect(),
        equity_curve: downsample(&portfolio.times, &portfolio.equity),
        trades: trades(symbols, portfolio),
    }
}
