//! The simulation (decisions B1, F4). A signal seen at a candle's close acts at the next candle's open, so
//! nothing uses a price it could not have known. Market fills pay `slippage` against the trader and the
//! strategy's fee on each side (on the notional). Within a candle the stop (fixed or trailing) is checked first,
//! the entry candle included, then the ROI table; a gap through either fills at the open. Candles before the
//! window's start only warm the indicators; a position still open at the window's last candle closes at its
//! close (`end_of_range`). Several symbols share one wallet and at most `max_open_trades` positions.

use serde::Serialize;
use tradai_domain::entities::{Candle, FundingRate, StrategyConfig};

use crate::book::{Book, Wallet};
use crate::metrics::{Curve, Metrics};
use crate::position::{Rules, Side};
use crate::report::{summary, SymbolReport};
use crate::signals::{Signals, CHUNK};

/// How fills are simulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Price slippage per market fill as a fraction (0.0005 = 5 bp).
    pub slippage: f64,
    /// Starting balance in quote currency (default: the stake times the positions open at once).
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

/// The candles that are traded, as open times `[start, end)`: earlier candles warm the indicators, later ones
/// are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// Every candle.
    pub const ALL: Window = Window {
        start: i64::MIN,
        end: i64::MAX,
    };
}

/// One symbol's data: its candles (oldest first, warm-up included) and its funding events (oldest first;
/// empty for a spot pair).
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    pub candles: &'a [Candle],
    pub funding: &'a [FundingRate],
}

/// Why a trade closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The exit rule fired at the previous close.
    Signal,
    StopLoss,
    /// The stop after the trailing stop moved it.
    TrailingStop,
    /// The ROI table's target for the trade's age.
    Roi,
    /// A gap took the price beyond the margin (the margin is lost).
    Liquidation,
    /// Still open at the window's last candle: closed at its close.
    EndOfRange,
}

/// One round trip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trade {
    pub side: Side,
    pub entry_time: i64,
    pub entry_price: f64,
    /// The open time of the candle it closed in.
    pub exit_time: i64,
    pub exit_price: f64,
    pub quantity: f64,
    /// The margin.
    pub stake: f64,
    /// Funding received (positive) or paid (negative).
    pub funding_fees: f64,
    /// Net of both fees and funding.
    pub profit_abs: f64,
    /// `profit_abs` over the stake.
    pub profit_ratio: f64,
    pub exit_reason: ExitReason,
}

/// A single symbol's backtest over all its candles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub metrics: Metrics,
    /// Equity at each candle's close (cash plus the open position at the close).
    pub equity: Vec<f64>,
    pub trades: Vec<Trade>,
}

/// A portfolio backtest: the shared wallet's curve and metrics, and each symbol's trades.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portfolio {
    pub metrics: Metrics,
    /// Every open time any symbol traded at.
    pub times: Vec<i64>,
    pub equity: Vec<f64>,
    /// In the order of the markets given.
    pub symbols: Vec<SymbolReport>,
}

/// Why a backtest cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BacktestError {
    #[error("the strategy is invalid: {0}")]
    Strategy(String),
    #[error("candles must be in time order: {0} follows {1}")]
    Order(i64, i64),
    #[error("funding events must be in time order: {0} follows {1}")]
    FundingOrder(i64, i64),
    #[error("invalid settings: {0}")]
    Settings(String),
}

fn check(
    strategy: &StrategyConfig,
    markets: &[Market],
    settings: &Settings,
) -> Result<(), BacktestError> {
    if let Some(first) = strategy.check().first() {
        return Err(BacktestError::Strategy(format!(
            "{}: {}",
            first.field, first.message
        )));
    }
    // The candles' order is checked by the signals' pass over them (`book`).
    for market in markets {
        if let Some(w) = market.funding.windows(2).find(|w| w[1].time <= w[0].time) {
            return Err(BacktestError::FundingOrder(w[1].time, w[0].time));
        }
    }
    if !(0.0..0.1).contains(&settings.slippage) {
        return Err(BacktestError::Settings(format!(
            "slippage {} is not from 0 to 0.1",
            settings.slippage
        )));
    }
    Ok(())
}

fn starting_balance(
    strategy: &StrategyConfig,
    cap: usize,
    settings: &Settings,
) -> Result<f64, BacktestError> {
    let start = settings
        .starting_balance
        .unwrap_or(strategy.stake_amount * cap as f64);
    if start.is_finite() && start > 0.0 {
        Ok(start)
    } else {
        Err(BacktestError::Settings(format!(
            "starting balance {start} is not positive"
        )))
    }
}

fn book<'a>(
    strategy: &StrategyConfig,
    market: &Market<'a>,
    window: Window,
) -> Result<Book<'a>, BacktestError> {
    let candles = market.candles;
    let first = candles.partition_point(|c| c.open_time < window.start);
    let end = candles.partition_point(|c| c.open_time < window.end);
    // Candles after the window are not traded, but their order decides where the window ends. (The signals
    // check the order of those up to the end while they are computed.)
    if let Some(w) = candles[end.saturating_sub(1)..]
        .windows(2)
        .find(|w| w[1].open_time <= w[0].open_time)
    {
        return Err(BacktestError::Order(w[1].open_time, w[0].open_time));
    }
    let signals = Signals::new(strategy, &candles[..end]);
    Ok(Book::new(candles, signals, market.funding, (first, end)))
}

/// Run `strategy` over one symbol's `candles` (oldest first), every candle traded, without funding.
pub fn run(
    strategy: &StrategyConfig,
    candles: &[Candle],
    settings: &Settings,
) -> Result<Report, BacktestError> {
    let market = Market {
        candles,
        funding: &[],
    };
    let outcome = simulate(strategy, &[market], Window::ALL, settings)?;
    let trades = outcome
        .books
        .into_iter()
        .next()
        .map(|b| b.trades)
        .unwrap_or_default();
    Ok(Report {
        metrics: outcome.metrics,
        equity: outcome.equity,
        trades,
    })
}

/// Run `strategy` over `markets` (one per symbol, sharing one wallet) within `window`.
pub fn backtest(
    strategy: &StrategyConfig,
    markets: &[Market],
    window: Window,
    settings: &Settings,
) -> Result<Portfolio, BacktestError> {
    let Outcome {
        metrics,
        times,
        equity,
        books,
        start,
    } = simulate(strategy, markets, window, settings)?;
    let times = times.unwrap_or_else(|| {
        books
            .iter()
            .flat_map(|b| b.candles[b.first..b.end].iter().map(|c| c.open_time))
            .collect()
    });
    let symbols = books
        .into_iter()
        .map(|b| SymbolReport {
            summary: summary(&b.trades, start),
            trades: b.trades,
        })
        .collect();
    Ok(Portfolio {
        metrics,
        times,
        equity,
        symbols,
    })
}

/// What a simulation leaves: the wallet's metrics and curve, and each symbol's book.
struct Outcome<'a> {
    metrics: Metrics,
    /// The timeline, when several symbols made one (one symbol's is its candles).
    times: Option<Vec<i64>>,
    equity: Vec<f64>,
    books: Vec<Book<'a>>,
    start: f64,
}

fn simulate<'a>(
    strategy: &StrategyConfig,
    markets: &[Market<'a>],
    window: Window,
    settings: &Settings,
) -> Result<Outcome<'a>, BacktestError> {
    check(strategy, markets, settings)?;
    let cap = strategy.open_trades_cap().min(markets.len()).max(1);
    let start = starting_balance(strategy, cap, settings)?;
    let rules = Rules::of(strategy, settings.slippage);
    let mut wallet = Wallet {
        cash: start,
        open: 0,
        cap,
    };
    let mut books = markets
        .iter()
        .map(|m| book(strategy, m, window))
        .collect::<Result<Vec<Book>, _>>()?;
    let (times, curve) = match books.as_mut_slice() {
        [one] => (None, alone(one, &rules, &mut wallet, start)),
        many => {
            let (times, curve) = together(many, &rules, &mut wallet, start);
            (Some(times), curve)
        }
    };
    for book in &mut books {
        if let Some((later, earlier)) = book.disorder() {
            return Err(BacktestError::Order(later, earlier));
        }
        book.finish(&rules, &mut wallet);
    }
    let all: Vec<_> = books
        .iter()
        .flat_map(|b| b.trades.iter().cloned())
        .collect();
    let (equity, metrics) = curve.close(wallet.cash, &all, strategy.timeframe);
    Ok(Outcome {
        metrics,
        times,
        equity,
        books,
        start,
    })
}

/// One symbol: its candles are the timeline.
fn alone(book: &mut Book, rules: &Rules, wallet: &mut Wallet, start: f64) -> Curve {
    let (first, end) = (book.first, book.end);
    let mut equity = Curve::new(start, end - first);
    for chunk in (first..end).step_by(CHUNK) {
        for i in chunk..(chunk + CHUNK).min(end) {
            book.step(i, rules, wallet);
            equity.push(wallet.cash + book.mark(i));
        }
        equity.settle();
    }
    equity
}

/// Several symbols over the union of their open times: at each time, every exit at the open first, then the
/// entries in the symbols' order, then what happens within the candles.
fn together(
    books: &mut [Book],
    rules: &Rules,
    wallet: &mut Wallet,
    start: f64,
) -> (Vec<i64>, Curve) {
    // A symbol without a candle now keeps its last close's mark.
    let mut marks = vec![0.0; books.len()];
    let (mut times, mut equity) = (Vec::new(), Curve::new(start, 0));
    while let Some(now) = books.iter().filter_map(Book::upcoming).min() {
        let due = |b: &Book| b.upcoming() == Some(now);
        for b in books.iter_mut().filter(|b| due(b)) {
            b.exit_at_open(b.next, rules, wallet);
        }
        for b in books.iter_mut().filter(|b| due(b)) {
            b.enter_at_open(b.next, rules, wallet);
        }
        for (b, mark) in books.iter_mut().zip(&mut marks).filter(|(b, _)| due(b)) {
            let i = b.next;
            b.within(i, rules, wallet);
            b.read_signals(i);
            *mark = b.mark(i);
            b.next += 1;
        }
        times.push(now);
        equity.push(wallet.cash + marks.iter().sum::<f64>());
        equity.settle();
    }
    (times, equity)
}
