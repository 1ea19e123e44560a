//! One open position and its arithmetic (decision F4): margin, leverage, fees, the stop, the ROI target, the
//! trailing stop and funding. Prices are per unit of the base asset; `stake` is the margin in quote currency.

use serde::Serialize;
use tradai_domain::entities::StrategyConfig;

/// Which way a position bets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Long,
    Short,
}

impl Side {
    /// +1 for a long, -1 for a short: the sign of the profit of a price rise.
    pub fn sign(self) -> f64 {
        match self {
            Side::Long => 1.0,
            Side::Short => -1.0,
        }
    }
}

/// The trailing-stop settings (Freqtrade's names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Trailing {
    pub positive: Option<f64>,
    pub offset: f64,
    pub only_offset: bool,
}

/// The strategy's rules in the form the simulation applies them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rules {
    pub fee: f64,
    pub slippage: f64,
    pub leverage: f64,
    pub stoploss: f64,
    pub stake_amount: f64,
    /// `(age in milliseconds, profit ratio)`, youngest first.
    pub roi: Vec<(i64, f64)>,
    pub trailing: Option<Trailing>,
}

impl Rules {
    pub fn of(strategy: &StrategyConfig, slippage: f64) -> Rules {
        Rules {
            fee: strategy.fee,
            slippage,
            leverage: strategy.leverage,
            stoploss: strategy.stoploss,
            stake_amount: strategy.stake_amount,
            roi: strategy
                .minimal_roi
                .iter()
                .map(|(minutes, ratio)| (i64::from(*minutes) * 60_000, *ratio))
                .collect(),
            trailing: strategy.trailing_stop.then_some(Trailing {
                positive: strategy.trailing_stop_positive,
                offset: strategy.trailing_stop_positive_offset,
                only_offset: strategy.trailing_only_offset_is_reached,
            }),
        }
    }

    /// The margin a new position takes from `cash`: the stake, or what is left after the entry fee.
    pub fn stake(&self, cash: f64) -> f64 {
        self.stake_amount
            .min(cash / (1.0 + self.fee * self.leverage))
    }

    /// The ROI table's ratio for a trade `age` milliseconds old.
    fn roi_at(&self, age: i64) -> Option<f64> {
        self.roi
            .iter()
            .rev()
            .find(|(from, _)| *from <= age)
            .map(|(_, ratio)| *ratio)
    }
}

/// An open position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Position {
    pub side: Side,
    pub entry_time: i64,
    /// The fill, slippage included.
    pub entry_price: f64,
    pub quantity: f64,
    pub stake: f64,
    pub entry_fee: f64,
    pub initial_stop: f64,
    pub stop: f64,
    /// The best price since entry (highest high of a long, lowest low of a short), of closed candles.
    pub best: f64,
    /// Funding received (positive) or paid (negative) so far.
    pub funding: f64,
}

impl Position {
    /// A position of `stake` margin filled at `open` (slippage against the trader).
    pub fn open(side: Side, time: i64, open: f64, stake: f64, rules: &Rules) -> Position {
        let price = open * (1.0 + side.sign() * rules.slippage);
        let notional = stake * rules.leverage;
        let stop = price * (1.0 + side.sign() * rules.stoploss / rules.leverage);
        Position {
            side,
            entry_time: time,
            entry_price: price,
            quantity: notional / price,
            stake,
            entry_fee: notional * rules.fee,
            initial_stop: stop,
            stop,
            best: price,
            funding: 0.0,
        }
    }

    fn gross(&self, price: f64) -> f64 {
        self.side.sign() * self.quantity * (price - self.entry_price)
    }

    /// What closing at `price` returns to the wallet: margin, profit, funding, less the exit fee. Below zero the
    /// position was liquidated (its margin is lost, no more).
    pub fn value(&self, price: f64, fee: f64) -> f64 {
        self.stake + self.gross(price) + self.funding - self.quantity * price * fee
    }

    /// The position's worth at `price` for the equity curve (no exit fee; a liquidated margin is 0).
    pub fn mark(&self, price: f64) -> f64 {
        (self.stake + self.gross(price) + self.funding).max(0.0)
    }

    /// The stop's fill if a candle of `open`, `high`, `low` reaches it: at the stop, or at the open when the
    /// candle gaps through it; slippage against the trader.
    pub fn stop_fill(&self, open: f64, high: f64, low: f64, slippage: f64) -> Option<f64> {
        match self.side {
            Side::Long => (low <= self.stop).then(|| open.min(self.stop) * (1.0 - slippage)),
            Side::Short => (high >= self.stop).then(|| open.max(self.stop) * (1.0 + slippage)),
        }
    }

    /// The ROI exit's fill on a candle opening at `time`: the price at which the profit net of both fees is the
    /// table's ratio for the trade's age, filled as a limit order (at the target, or at the open when the candle
    /// opens beyond it; no slippage).
    pub fn roi_fill(
        &self,
        time: i64,
        open: f64,
        high: f64,
        low: f64,
        rules: &Rules,
    ) -> Option<f64> {
        let ratio = rules.roi_at(time - self.entry_time)?;
        // value(p) - stake - entry_fee = ratio · stake, solved for p.
        let wanted = ratio * self.stake + self.entry_fee;
        let q = self.quantity;
        let target = match self.side {
            Side::Long => (wanted + q * self.entry_price) / (q * (1.0 - rules.fee)),
            Side::Short => (q * self.entry_price - wanted) / (q * (1.0 + rules.fee)),
        };
        match self.side {
            Side::Long => (high >= target).then(|| open.max(target)),
            Side::Short => (low <= target && target > 0.0).then(|| open.min(target)),
        }
    }

    /// Move the trailing stop after a closed candle of `high` and `low` (it applies from the next candle).
    pub fn trail(&mut self, high: f64, low: f64, rules: &Rules) {
        let Some(trailing) = rules.trailing else {
            return;
        };
        let sign = self.side.sign();
        self.best = match self.side {
            Side::Long => self.best.max(high),
            Side::Short => self.best.min(low),
        };
        let profit = sign * (self.best / self.entry_price - 1.0) * rules.leverage;
        let distance = match trailing.positive {
            Some(positive) if profit > trailing.offset => positive,
            _ if trailing.only_offset => return,
            _ => -rules.stoploss,
        };
        let candidate = self.best * (1.0 - sign * distance / rules.leverage);
        self.stop = match self.side {
            Side::Long => self.stop.max(candidate),
            Side::Short => self.stop.min(candidate),
        };
    }

    /// Apply a funding event of `rate` at mark price `price`: a long pays a positive rate, a short receives it.
    pub fn fund(&mut self, rate: f64, price: f64) {
        self.funding -= self.side.sign() * self.quantity * price * rate;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            fee: 0.001,
            slippage: 0.0,
            leverage: 1.0,
            stoploss: -0.1,
            stake_amount: 1000.0,
            roi: vec![(0, 0.05), (3_600_000, 0.0)],
            trailing: None,
        }
    }

    #[test]
    fn a_long_at_one_times_pays_both_fees() {
        let p = Position::open(Side::Long, 0, 100.0, 1000.0, &rules());
        assert_eq!((p.quantity, p.stop), (10.0, 90.0));
        // 10 units sold at 110: 1,100 less 1.1 exit fee.
        assert!((p.value(110.0, 0.001) - 1098.9).abs() < 1e-9);
        assert_eq!(p.stop_fill(95.0, 96.0, 89.0, 0.0), Some(90.0));
        assert_eq!(
            p.stop_fill(85.0, 86.0, 80.0, 0.0),
            Some(85.0),
            "a gap fills at the open"
        );
    }

    #[test]
    fn the_roi_target_nets_the_fees() {
        let r = rules();
        let p = Position::open(Side::Long, 0, 100.0, 1000.0, &r);
        let young = p.roi_fill(0, 100.0, 200.0, 99.0, &r).expect("reached");
        let profit = p.value(young, r.fee) - p.stake - p.entry_fee;
        assert!((profit - 50.0).abs() < 1e-9, "5 % of 1,000 net: {profit}");
        let old = p
            .roi_fill(3_600_000, 100.0, 200.0, 99.0, &r)
            .expect("reached");
        assert!(
            (p.value(old, r.fee) - p.stake - p.entry_fee).abs() < 1e-9,
            "break-even after an hour"
        );
        assert_eq!(p.roi_fill(0, 100.0, 104.0, 99.0, &r), None, "not reached");
        assert_eq!(
            p.roi_fill(0, 120.0, 121.0, 119.0, &r),
            Some(120.0),
            "opens beyond: the open"
        );
    }

    #[test]
    fn a_short_at_five_times_gains_five_times_the_fall() {
        let r = Rules {
            leverage: 5.0,
            fee: 0.0,
            ..rules()
        };
        let mut p = Position::open(Side::Short, 0, 100.0, 1000.0, &r);
        assert_eq!(p.quantity, 50.0);
        assert!(
            (p.stop - 102.0).abs() < 1e-12,
            "-10 % of margin at 5×: a 2 % rise"
        );
        assert!(
            (p.value(98.0, 0.0) - 1100.0).abs() < 1e-9,
            "2 % fall × 5 = 10 %"
        );
        assert!(
            p.value(125.0, 0.0) < 0.0,
            "a 25 % rise is beyond the margin"
        );
        p.fund(0.0001, 100.0);
        assert!(
            (p.funding - 0.5).abs() < 1e-12,
            "a short receives 0.01 % of 5,000"
        );
    }

    #[test]
    fn the_trailing_stop_follows_the_best_price_and_never_backs_off() {
        let r = Rules {
            trailing: Some(Trailing {
                positive: Some(0.02),
                offset: 0.05,
                only_offset: false,
            }),
            ..rules()
        };
        let mut p = Position::open(Side::Long, 0, 100.0, 1000.0, &r);
        p.trail(104.0, 99.0, &r);
        assert!(
            (p.stop - 93.6).abs() < 1e-9,
            "below the offset: 10 % under 104"
        );
        p.trail(110.0, 103.0, &r);
        assert!(
            (p.stop - 107.8).abs() < 1e-9,
            "beyond the offset: 2 % under 110"
        );
        p.trail(105.0, 101.0, &r);
        assert!((p.stop - 107.8).abs() < 1e-9, "never lower");
    }
}
