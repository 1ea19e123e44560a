//! The reference: the rules of decision B1 written out plainly, sharing no code with the engine. Indicators
//! are recomputed from their windows at every candle; the trader is an explicit state machine.

use tradai_backtest::ExitReason;
use tradai_domain::entities::{Candle, Direction, Signal, StrategyConfig};

#[derive(Debug)]
pub struct RefTrade {
    pub entry_time: i64,
    pub exit_time: i64,
    pub reason: ExitReason,
    pub profit: f64,
}

fn mean(window: &[f64]) -> f64 {
    window.iter().sum::<f64>() / window.len() as f64
}

fn sma_at(c: &[f64], i: usize, p: usize) -> Option<f64> {
    (i + 1 >= p).then(|| mean(&c[i + 1 - p..=i]))
}

fn ema_at(c: &[f64], i: usize, p: usize) -> Option<f64> {
    if i + 1 < p {
        return None;
    }
    let alpha = 2.0 / (p as f64 + 1.0);
    let mut value = mean(&c[..p]);
    for &x in &c[p..=i] {
        value = alpha * x + (1.0 - alpha) * value;
    }
    Some(value)
}

fn rsi_at(c: &[f64], i: usize, p: usize) -> Option<f64> {
    if i < p {
        return None;
    }
    let changes: Vec<f64> = (1..=i).map(|k| c[k] - c[k - 1]).collect();
    let mut gain = changes[..p].iter().filter(|x| **x > 0.0).sum::<f64>() / p as f64;
    let mut loss = -changes[..p].iter().filter(|x| **x < 0.0).sum::<f64>() / p as f64;
    for &x in &changes[p..] {
        gain = (gain * (p as f64 - 1.0) + if x > 0.0 { x } else { 0.0 }) / p as f64;
        loss = (loss * (p as f64 - 1.0) + if x < 0.0 { -x } else { 0.0 }) / p as f64;
    }
    Some(if loss == 0.0 {
        100.0
    } else {
        100.0 - 100.0 / (1.0 + gain / loss)
    })
}

fn band_at(c: &[f64], i: usize, p: usize, k: f64, upper: bool) -> Option<f64> {
    let m = sma_at(c, i, p)?;
    let window = &c[i + 1 - p..=i];
    let sd = (window.iter().map(|x| (x - m).powi(2)).sum::<f64>() / p as f64).sqrt();
    Some(if upper { m + k * sd } else { m - k * sd })
}

/// The two compared series of a signal at candle `i`.
fn pair(signal: &Signal, c: &[f64], i: usize) -> Option<(f64, f64)> {
    match signal {
        Signal::SmaCross { fast, slow, .. } => {
            Some((sma_at(c, i, *fast as usize)?, sma_at(c, i, *slow as usize)?))
        }
        Signal::EmaCross { fast, slow, .. } => {
            Some((ema_at(c, i, *fast as usize)?, ema_at(c, i, *slow as usize)?))
        }
        Signal::Rsi {
            period, threshold, ..
        } => Some((rsi_at(c, i, *period as usize)?, *threshold)),
        Signal::Bollinger {
            period,
            std_dev,
            direction,
        } => Some((
            c[i],
            band_at(
                c,
                i,
                *period as usize,
                *std_dev,
                *direction == Direction::Above,
            )?,
        )),
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

fn fired(signal: &Signal, c: &[f64], i: usize) -> bool {
    if i == 0 {
        return false;
    }
    match (
        pair(signal, c, i - 1),
        pair(signal, c, i),
        direction(signal),
    ) {
        (Some((a0, b0)), Some((a1, b1)), Direction::Above) => a0 <= b0 && a1 > b1,
        (Some((a0, b0)), Some((a1, b1)), Direction::Below) => a0 >= b0 && a1 < b1,
        _ => false,
    }
}

enum State {
    Flat {
        buy_next: bool,
    },
    Long {
        since: i64,
        stake: f64,
        qty: f64,
        stop: f64,
        sell_next: bool,
    },
}

/// Trades and the final balance.
pub fn backtest(s: &StrategyConfig, candles: &[Candle], slip: f64) -> (Vec<RefTrade>, f64) {
    let closes: Vec<f64> = candles.iter().map(|c| c.close).collect();
    let mut balance = s.stake_amount;
    let mut trades = Vec::new();
    let mut state = State::Flat { buy_next: false };
    let sell = |since: i64,
                stake: f64,
                qty: f64,
                at: i64,
                price: f64,
                reason,
                balance: &mut f64,
                trades: &mut Vec<RefTrade>| {
        let net = qty * price * (1.0 - s.fee);
        *balance += net;
        trades.push(RefTrade {
            entry_time: since,
            exit_time: at,
            reason,
            profit: net - stake * (1.0 + s.fee),
        });
    };
    for (i, c) in candles.iter().enumerate() {
        // At the open: act on the previous close's decision.
        state = match state {
            State::Long {
                since,
                stake,
                qty,
                sell_next: true,
                ..
            } => {
                sell(
                    since,
                    stake,
                    qty,
                    c.open_time,
                    c.open * (1.0 - slip),
                    ExitReason::Signal,
                    &mut balance,
                    &mut trades,
                );
                State::Flat { buy_next: false }
            }
            State::Flat { buy_next: true } => {
                let stake = s.stake_amount.min(balance / (1.0 + s.fee));
                let price = c.open * (1.0 + slip);
                balance -= stake * (1.0 + s.fee);
                State::Long {
                    since: c.open_time,
                    stake,
                    qty: stake / price,
                    stop: price * (1.0 + s.stoploss),
                    sell_next: false,
                }
            }
            other => other,
        };
        // During the candle: the stop.
        if let State::Long {
            since,
            stake,
            qty,
            stop,
            ..
        } = state
        {
            if c.low <= stop {
                sell(
                    since,
                    stake,
                    qty,
                    c.open_time,
                    c.open.min(stop) * (1.0 - slip),
                    ExitReason::StopLoss,
                    &mut balance,
                    &mut trades,
                );
                state = State::Flat { buy_next: false };
            }
        }
        // At the close: decide.
        state = match state {
            State::Flat { .. } => State::Flat {
                buy_next: fired(&s.entry, &closes, i),
            },
            State::Long {
                since,
                stake,
                qty,
                stop,
                ..
            } => State::Long {
                since,
                stake,
                qty,
                stop,
                sell_next: fired(&s.exit, &closes, i),
            },
        };
    }
    if let (
        State::Long {
            since, stake, qty, ..
        },
        Some(last),
    ) = (state, candles.last())
    {
        sell(
            since,
            stake,
            qty,
            last.open_time,
            last.close * (1.0 - slip),
            ExitReason::EndOfRange,
            &mut balance,
            &mut trades,
        );
    }
    (trades, balance)
}
