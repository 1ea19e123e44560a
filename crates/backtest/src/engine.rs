//! The simulation (decision B1): long only, one position at a time. A signal seen at a candle's close acts at
//! the next candle's open, so nothing uses a price it could not have known. Fills pay `slippage` against the
//! trader and the strategy's fee on each side. The stop loss is checked on every candle the position is open,
//! the entry candle included; a gap through the stop fills at the open.

use serde::Serialize;
use tradai_domain::entities::{Candle, StrategyConfig};

use crate::metrics::{metrics, Metrics};
use crate::signals::entry_exit;

/// How fills are simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Price slippage per fill as a fraction (0.0005 = 5 bp).
    pub slippage: f64,
    /// Starting balance in quote currency (default: the strategy's stake).
    pub starting_balance: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            slippage: 0.0005,
            starting_balance: None,
        }
    }
}

/// Why a trade closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    Signal,
    StopLoss,
    EndOfData,
}

/// One round trip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trade {
    pub entry_time: i64,
    pub entry_price: f64,
    pub exit_time: i64,
    pub exit_price: f64,
    pub quantity: f64,
    /// Net of both fees.
    pub profit_abs: f64,
    /// `profit_abs` over the stake.
    pub profit_ratio: f64,
    pub exit_reason: ExitReason,
}

/// Everything a backtest produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub metrics: Metrics,
    /// Equity at each candle's close (cash plus the open position at the close).
    pub equity: Vec<f64>,
    pub trades: Vec<Trade>,
}

/// Why a backtest cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BacktestError {
    #[error("the strategy is invalid: {0}")]
    Strategy(String),
    #[error("candles must be in time order: {0} follows {1}")]
    Order(i64, i64),
    #[error("invalid settings: {0}")]
    Settings(String),
}

struct Position {
    entry_time: i64,
    entry_price: f64,
    quantity: f64,
    stake: f64,
    stop: f64,
}

/// Run `strategy` over `candles` (oldest first).
pub fn run(
    strategy: &StrategyConfig,
    candles: &[Candle],
    settings: &Settings,
) -> Result<Report, BacktestError> {
    let issues = strategy.check();
    if let Some(first) = issues.first() {
        return Err(BacktestError::Strategy(format!(
            "{}: {}",
            first.field, first.message
        )));
    }
    if let Some(w) = candles
        .windows(2)
        .find(|w| w[1].open_time <= w[0].open_time)
    {
        return Err(BacktestError::Order(w[1].open_time, w[0].open_time));
    }
    if !(0.0..0.1).contains(&settings.slippage) {
        return Err(BacktestError::Settings(format!(
            "slippage {} is not from 0 to 0.1",
            settings.slippage
        )));
    }
    let start = settings.starting_balance.unwrap_or(strategy.stake_amount);
    if !(start.is_finite() && start > 0.0) {
        return Err(BacktestError::Settings(format!(
            "starting balance {start} is not positive"
        )));
    }
    let (entries, exits) = entry_exit(&strategy.entry, &strategy.exit, candles);
    let (fee, slip) = (strategy.fee, settings.slippage);
    let mut cash = start;
    let mut position: Option<Position> = None;
    let (mut enter_next, mut exit_next) = (false, false);
    let mut equity = Vec::with_capacity(candles.len());
    let mut trades = Vec::new();
    let close = |p: Position,
                 time: i64,
                 price: f64,
                 reason: ExitReason,
                 cash: &mut f64,
                 trades: &mut Vec<Trade>| {
        let proceeds = p.quantity * price;
        *cash += proceeds * (1.0 - fee);
        let profit_abs = proceeds * (1.0 - fee) - p.stake * (1.0 + fee);
        trades.push(Trade {
            entry_time: p.entry_time,
            entry_price: p.entry_price,
            exit_time: time,
            exit_price: price,
            quantity: p.quantity,
            profit_abs,
            profit_ratio: profit_abs / p.stake,
            exit_reason: reason,
        });
    };
    for (i, candle) in candles.iter().enumerate() {
        if exit_next {
            if let Some(p) = position.take() {
                close(
                    p,
                    candle.open_time,
                    candle.open * (1.0 - slip),
                    ExitReason::Signal,
                    &mut cash,
                    &mut trades,
                );
            }
        }
        if enter_next && position.is_none() {
            let stake = strategy.stake_amount.min(cash / (1.0 + fee));
            if stake > 0.0 {
                let price = candle.open * (1.0 + slip);
                cash -= stake * (1.0 + fee);
                position = Some(Position {
                    entry_time: candle.open_time,
                    entry_price: price,
                    quantity: stake / price,
                    stake,
                    stop: price * (1.0 + strategy.stoploss),
                });
            }
        }
        (enter_next, exit_next) = (false, false);
        if let Some(stop) = position
            .as_ref()
            .map(|p| p.stop)
            .filter(|stop| candle.low <= *stop)
        {
            if let Some(p) = position.take() {
                let price = candle.open.min(stop) * (1.0 - slip);
                close(
                    p,
                    candle.open_time,
                    price,
                    ExitReason::StopLoss,
                    &mut cash,
                    &mut trades,
                );
            }
        }
        equity.push(cash + position.as_ref().map_or(0.0, |p| p.quantity * candle.close));
        if position.is_some() {
            exit_next = exits[i];
        } else {
            enter_next = entries[i];
        }
    }
    if let (Some(p), Some(last)) = (position.take(), candles.last()) {
        close(
            p,
            last.open_time,
            last.close * (1.0 - slip),
            ExitReason::EndOfData,
            &mut cash,
            &mut trades,
        );
        if let Some(e) = equity.last_mut() {
            *e = cash;
        }
    }
    let metrics = metrics(start, &equity, &trades, strategy.timeframe);
    Ok(Report {
        metrics,
        equity,
        trades,
    })
}
