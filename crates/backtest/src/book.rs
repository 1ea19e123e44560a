//! One symbol's side of the simulation (decision F4): its candles and signals, its position and its trades.
//! The drivers in `engine` call the steps of each candle in this order, across every symbol at one time:
//! 1. [`Book::exit_at_open`]: a signal seen at the previous close exits at this open;
//! 2. [`Book::enter_at_open`]: a signal seen at the previous close enters at this open, if the wallet has a free
//!    slot (`max_open_trades`) and money;
//! 3. [`Book::within`]: the stop (fixed or trailing) then the ROI table against this candle's range, funding
//!    events within the candle, and the trailing stop moved by this candle (it applies from the next);
//! 4. [`Book::read_signals`]: this close's signals, acted on at the next open.
//!
//! Signals only count from the range's first candle; candles before it only warm the indicators.

use tradai_domain::entities::{Candle, FundingRate};

use crate::engine::{ExitReason, Trade};
use crate::position::{Position, Rules, Side};
use crate::signals::{Signals, ENTER_LONG, ENTER_SHORT, EXIT_LONG, EXIT_SHORT};

/// The money all symbols share.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wallet {
    pub cash: f64,
    pub open: usize,
    pub cap: usize,
}

/// What a candle's open does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Nothing,
    Enter(Side),
    Exit,
}

pub(crate) struct Book<'a> {
    pub candles: &'a [Candle],
    signals: Signals<'a>,
    /// The flags of candles `chunk_start..` (one chunk of the signals).
    chunk: Vec<u8>,
    chunk_start: usize,
    /// The first candle out of time order the signals found, and the one it follows.
    disorder: Option<(i64, i64)>,
    funding: &'a [FundingRate],
    next_funding: usize,
    /// The range's first candle and one past its last.
    pub first: usize,
    pub end: usize,
    /// The next candle to step through, when symbols share a timeline.
    pub next: usize,
    pending: Pending,
    pub position: Option<Position>,
    pub trades: Vec<Trade>,
}

impl<'a> Book<'a> {
    pub fn new(
        candles: &'a [Candle],
        signals: Signals<'a>,
        funding: &'a [FundingRate],
        (first, end): (usize, usize),
    ) -> Book<'a> {
        let start = candles.get(first).map_or(i64::MAX, |c| c.open_time);
        Book {
            candles,
            signals,
            chunk: Vec::new(),
            chunk_start: 0,
            disorder: None,
            funding,
            next_funding: funding.partition_point(|f| f.time < start),
            first,
            end,
            next: first,
            pending: Pending::Nothing,
            position: None,
            trades: Vec::new(),
        }
    }

    fn close(
        &mut self,
        position: Position,
        time: i64,
        price: f64,
        reason: ExitReason,
        rules: &Rules,
        wallet: &mut Wallet,
    ) {
        let value = position.value(price, rules.fee);
        let (value, reason) = if value < 0.0 {
            (0.0, ExitReason::Liquidation)
        } else {
            (value, reason)
        };
        wallet.cash += value;
        wallet.open -= 1;
        let profit_abs = value - position.stake - position.entry_fee;
        self.trades.push(Trade {
            side: position.side,
            entry_time: position.entry_time,
            entry_price: position.entry_price,
            exit_time: time,
            exit_price: price,
            quantity: position.quantity,
            stake: position.stake,
            funding_fees: position.funding,
            profit_abs,
            profit_ratio: profit_abs / position.stake,
            exit_reason: reason,
        });
    }

    /// Step 1 at candle `i`.
    #[inline]
    pub fn exit_at_open(&mut self, i: usize, rules: &Rules, wallet: &mut Wallet) {
        if self.pending != Pending::Exit {
            return;
        }
        self.pending = Pending::Nothing;
        if let Some(p) = self.position.take() {
            let c = &self.candles[i];
            let price = c.open * (1.0 - p.side.sign() * rules.slippage);
            self.close(p, c.open_time, price, ExitReason::Signal, rules, wallet);
        }
    }

    /// Step 2 at candle `i`.
    #[inline]
    pub fn enter_at_open(&mut self, i: usize, rules: &Rules, wallet: &mut Wallet) {
        let Pending::Enter(side) = self.pending else {
            return;
        };
        self.pending = Pending::Nothing;
        if self.position.is_some() || wallet.open >= wallet.cap {
            return;
        }
        let stake = rules.stake(wallet.cash);
        if stake <= 0.0 {
            return;
        }
        let c = &self.candles[i];
        let position = Position::open(side, c.open_time, c.open, stake, rules);
        wallet.cash -= stake + position.entry_fee;
        wallet.open += 1;
        self.position = Some(position);
    }

    /// Step 3 at candle `i`.
    #[inline(always)]
    pub fn within(&mut self, i: usize, rules: &Rules, wallet: &mut Wallet) {
        if self.position.is_some() {
            self.hold(i, rules, wallet);
        }
        if self.next_funding < self.funding.len() {
            self.fund(i);
        }
        if let Some(p) = &mut self.position {
            if rules.trailing.is_some() {
                p.trail(self.candles[i].high, self.candles[i].low, rules);
            }
        }
    }

    /// The stop, then the ROI table, against candle `i`'s range.
    fn hold(&mut self, i: usize, rules: &Rules, wallet: &mut Wallet) {
        let Some(p) = &self.position else {
            return;
        };
        let c = &self.candles[i];
        let exit = match p.stop_fill(c.open, c.high, c.low, rules.slippage) {
            Some(price) if p.stop != p.initial_stop => Some((price, ExitReason::TrailingStop)),
            Some(price) => Some((price, ExitReason::StopLoss)),
            None if rules.roi.is_empty() => None,
            None => p
                .roi_fill(c.open_time, c.open, c.high, c.low, rules)
                .map(|price| (price, ExitReason::Roi)),
        };
        if let Some((price, reason)) = exit {
            let time = c.open_time;
            if let Some(p) = self.position.take() {
                self.close(p, time, price, reason, rules, wallet);
            }
        }
    }

    /// Funding events from candle `i`'s open up to the next candle's (a gap's events fall to the candle before
    /// it), charged at candle `i`'s open to a position still open: one that entered at or before this candle
    /// and was not stopped within it.
    fn fund(&mut self, i: usize) {
        let c = &self.candles[i];
        let until = self.candles.get(i + 1).map_or(i64::MAX, |n| n.open_time);
        while let Some(event) = self
            .funding
            .get(self.next_funding)
            .filter(|f| f.time < until)
        {
            if let Some(p) = &mut self.position {
                p.fund(event.rate, c.open);
            }
            self.next_funding += 1;
        }
    }

    /// Step 4 at candle `i`: what the next open does.
    #[inline]
    pub fn read_signals(&mut self, i: usize) {
        if i >= self.chunk_start + self.chunk.len() {
            self.fill_to(i);
        }
        let bits = self.chunk[i - self.chunk_start];
        if bits == 0 {
            return;
        }
        self.pending = match &self.position {
            Some(p) if p.side == Side::Long && bits & EXIT_LONG != 0 => Pending::Exit,
            Some(p) if p.side == Side::Short && bits & EXIT_SHORT != 0 => Pending::Exit,
            Some(_) => Pending::Nothing,
            // Both entries at once contradict each other: neither is taken (as Freqtrade does).
            None => match (bits & ENTER_LONG != 0, bits & ENTER_SHORT != 0) {
                (true, false) => Pending::Enter(Side::Long),
                (false, true) => Pending::Enter(Side::Short),
                _ => Pending::Nothing,
            },
        };
    }

    /// Compute the signals' chunks up to the one holding candle `i` (the warm-up's included).
    #[cold]
    fn fill_to(&mut self, i: usize) {
        while self.signals.filled() <= i {
            self.chunk_start = self.signals.filled();
            if let Err(disorder) = self.signals.fill(&mut self.chunk) {
                self.disorder.get_or_insert(disorder);
            }
        }
    }

    /// The first candle out of time order up to the range's end, and the one it follows (all of them are
    /// checked, read or not).
    pub fn disorder(&mut self) -> Option<(i64, i64)> {
        if let Some(last) = self.end.checked_sub(1) {
            self.fill_to(last);
        }
        self.disorder
    }

    /// The open time of the next candle to step through, while the window has one.
    pub fn upcoming(&self) -> Option<i64> {
        (self.next < self.end).then(|| self.candles[self.next].open_time)
    }

    /// The position's worth at candle `i`'s close.
    #[inline]
    pub fn mark(&self, i: usize) -> f64 {
        self.position
            .as_ref()
            .map_or(0.0, |p| p.mark(self.candles[i].close))
    }

    /// Close what is still open at the range's last candle's close.
    pub fn finish(&mut self, rules: &Rules, wallet: &mut Wallet) {
        if let (Some(p), Some(last)) = (self.position.take(), self.end.checked_sub(1)) {
            let c = &self.candles[last];
            let price = c.close * (1.0 - p.side.sign() * rules.slippage);
            self.close(p, c.open_time, price, ExitReason::EndOfRange, rules, wallet);
        }
    }

    /// Every step of candle `i` for a book trading alone.
    #[inline]
    pub fn step(&mut self, i: usize, rules: &Rules, wallet: &mut Wallet) {
        self.exit_at_open(i, rules, wallet);
        self.enter_at_open(i, rules, wallet);
        self.within(i, rules, wallet);
        self.read_signals(i);
    }
}
