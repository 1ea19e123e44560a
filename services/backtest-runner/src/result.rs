//! The result document (decision S7): `backtests/<job_id>/result.json` in the results bucket, with `metrics`,
//! `equity_curve` and `trades`; several symbols are combined into one portfolio curve.

use std::collections::BTreeMap;

use serde::Serialize;
use tradai_backtest::{Metrics, Report, Trade};
use tradai_domain::entities::{BacktestJob, Timeframe};

/// Equity points kept in the document, at most (the whole curve feeds the metrics).
pub const MAX_EQUITY_POINTS: usize = 5000;

/// One symbol's backtest.
#[derive(Debug, Clone)]
pub struct SymbolRun {
    pub symbol: String,
    pub times: Vec<i64>,
    pub report: Report,
}

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
    pub start_date: String,
    pub end_date: String,
    pub metrics: Metrics,
    pub per_symbol: BTreeMap<String, Metrics>,
    pub equity_curve: Vec<EquityPoint>,
    pub trades: Vec<TradeView>,
}

fn iso(millis: i64) -> String {
    tradai_domain::entities::Timestamp::from_millis(millis).iso_seconds()
}

/// The portfolio: each symbol's equity carried forward over the union of candle times, summed.
fn combine(runs: &[SymbolRun]) -> (Vec<i64>, Vec<f64>, f64) {
    let start: f64 = runs.iter().map(|r| r.report.metrics.starting_balance).sum();
    let mut times: Vec<i64> = runs.iter().flat_map(|r| r.times.iter().copied()).collect();
    times.sort_unstable();
    times.dedup();
    let mut cursor = vec![0usize; runs.len()];
    let mut last: Vec<f64> = runs
        .iter()
        .map(|r| r.report.metrics.starting_balance)
        .collect();
    let mut equity = Vec::with_capacity(times.len());
    for &t in &times {
        for (k, run) in runs.iter().enumerate() {
            while cursor[k] < run.times.len() && run.times[cursor[k]] <= t {
                last[k] = run.report.equity[cursor[k]];
                cursor[k] += 1;
            }
        }
        equity.push(last.iter().sum());
    }
    (times, equity, start)
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

/// Every trade of `runs`, oldest entry first.
fn trades(runs: &[SymbolRun]) -> Vec<TradeView> {
    let mut trades: Vec<TradeView> = runs
        .iter()
        .flat_map(|r| {
            r.report.trades.iter().map(|t| TradeView {
                symbol: r.symbol.clone(),
                entry_date: iso(t.entry_time),
                exit_date: iso(t.exit_time),
                trade: t.clone(),
            })
        })
        .collect();
    trades.sort_by_key(|t| (t.trade.entry_time, t.symbol.clone()));
    trades
}

/// The metrics of the portfolio of `runs` (each symbol with its own stake).
pub fn portfolio(runs: &[SymbolRun], timeframe: Timeframe) -> Metrics {
    let (_, equity, start) = combine(runs);
    let all: Vec<Trade> = trades(runs).into_iter().map(|t| t.trade).collect();
    tradai_backtest::metrics::metrics(start, &equity, &all, timeframe)
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

/// The document of `job` from its symbols' runs.
pub fn document(job: &BacktestJob, runs: &[SymbolRun]) -> ResultDocument {
    let (times, equity, _) = combine(runs);
    ResultDocument {
        job_id: job.job_id.clone(),
        trace_id: job.trace_id.clone(),
        strategy: job.config.strategy.clone(),
        config_version_id: job.config.config_version_id.clone(),
        timeframe: job.config.timeframe,
        start_date: job.config.start_date.to_string(),
        end_date: job.config.end_date.to_string(),
        metrics: portfolio(runs, job.config.timeframe),
        per_symbol: runs
            .iter()
            .map(|r| (r.symbol.clone(), r.report.metrics.clone()))
            .collect(),
        equity_curve: downsample(&times, &equity),
        trades: trades(runs),
    }
}
