//! Hand-computed cases of decisions F2 to F4: the warm-up and the range's edges, the ROI table, the trailing
//! stop, shorts with leverage and funding, liquidation, and `max_open_trades` over one shared wallet. Each
//! case is small enough to check on paper; the numbers in the comments are that check.

use tradai_backtest::{backtest, ExitReason, Market, Settings, Side, Window};
use tradai_domain::entities::{Candle, Direction, FundingRate, Signal, StrategyConfig, Timeframe};

const HOUR: i64 = 3_600_000;
const NO_SLIP: Settings = Settings {
    slippage: 0.0,
    starting_balance: None,
};

/// Hourly candles from `(open, high, low, close)`.
fn bars(rows: &[(f64, f64, f64, f64)]) -> Vec<Candle> {
    rows.iter()
        .enumerate()
        .map(|(i, &(open, high, low, close))| Candle {
            open_time: i as i64 * HOUR,
            open,
            high,
            low,
            close,
            volume: 1.0,
        })
        .collect()
}

/// Flat candles at `prices`.
fn flat(prices: &[f64]) -> Vec<Candle> {
    bars(&prices.iter().map(|&p| (p, p, p, p)).collect::<Vec<_>>())
}

fn sma(fast: u32, slow: u32, direction: Direction) -> Signal {
    Signal::SmaCross {
        fast,
        slow,
        direction,
    }
}

/// SMA 2/3 crossover on `symbols`, 1,000 stake, 50 % stop, no fee.
fn crossover(symbols: &[&str]) -> StrategyConfig {
    StrategyConfig {
        stoploss: -0.5,
        fee: 0.0,
        ..StrategyConfig::new(
            "rules",
            Timeframe::H1,
            symbols.iter().map(|s| s.parse().expect("symbol")).collect(),
            sma(2, 3, Direction::Above),
            sma(2, 3, Direction::Below),
        )
    }
}

fn one(
    strategy: &StrategyConfig,
    candles: &[Candle],
    funding: &[FundingRate],
    window: Window,
) -> Vec<tradai_backtest::Trade> {
    let market = Market { candles, funding };
    let mut portfolio = backtest(strategy, &[market], window, &NO_SLIP).expect("runs");
    portfolio.symbols.remove(0).trades
}

#[test]
fn a_crossover_two_candles_into_the_range_is_traded_with_the_warm_up() {
    // SMA(2) crosses above SMA(3) at the close of candle 5 (10, 10, 10, 10, 10, 12): the range starts at
    // candle 3, so the cross is two candles after its start and the entry fills at candle 6's open.
    let candles = flat(&[10.0, 10.0, 10.0, 10.0, 10.0, 12.0, 13.0, 14.0]);
    let window = Window {
        start: 3 * HOUR,
        end: 8 * HOUR,
    };
    let warm = one(&crossover(&["BTC/USDT:USDT"]), &candles, &[], window);
    assert_eq!(warm.len(), 1, "{warm:?}");
    assert_eq!((warm[0].entry_time, warm[0].entry_price), (6 * HOUR, 13.0));
    assert_eq!(warm[0].exit_reason, ExitReason::EndOfRange);
    // Loaded from the range's start only, SMA(3) is first defined at candle 5 and nothing crosses.
    let cold = one(
        &crossover(&["BTC/USDT:USDT"]),
        &candles[3..],
        &[],
        Window::ALL,
    );
    assert!(cold.is_empty(), "cold indicators miss it: {cold:?}");
}

#[test]
fn the_range_is_start_inclusive_and_end_exclusive() {
    // The cross at candle 3's close (10, 10, 10, 12) is in the range [3, 6): entry at candle 4. The range
    // ends before candle 6, so the position closes at candle 5's close, 16, not at candle 6's.
    let candles = flat(&[10.0, 10.0, 10.0, 12.0, 14.0, 16.0, 99.0, 99.0]);
    let window = Window {
        start: 3 * HOUR,
        end: 6 * HOUR,
    };
    let trades = one(&crossover(&["BTC/USDT:USDT"]), &candles, &[], window);
    assert_eq!(trades.len(), 1);
    let t = &trades[0];
    assert_eq!(
        (t.entry_time, t.exit_time, t.exit_price),
        (4 * HOUR, 5 * HOUR, 16.0)
    );
    assert_eq!(t.exit_reason, ExitReason::EndOfRange);
    // A range starting one candle later misses the cross at candle 3: signals count from its first candle.
    let later = Window {
        start: 4 * HOUR,
        end: 6 * HOUR,
    };
    assert!(one(&crossover(&["BTC/USDT:USDT"]), &candles, &[], later).is_empty());
    // A cross at the range's last close would fill after the range: no trade.
    let cut = Window {
        start: 3 * HOUR,
        end: 4 * HOUR,
    };
    assert!(one(&crossover(&["BTC/USDT:USDT"]), &candles, &[], cut).is_empty());
}

#[test]
fn the_roi_table_exits_at_the_target_of_the_trades_age() {
    // Entry at candle 4's open, 12 (1,000 stake → 83.33 units, no fee). ROI: 50 % at once, 10 % after 2 hours.
    // Candle 5's high 14 is +16.7 %: below 50 %. Candle 6 is 2 hours old: the 10 % target is 13.2, within
    // its range 12.5 – 14, so the trade exits there at 13.2 with 10 % profit.
    let candles = bars(&[
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 12.0, 10.0, 12.0),
        (12.0, 12.5, 11.5, 12.0),
        (12.0, 14.0, 12.0, 12.5),
        (12.5, 14.0, 12.5, 13.0),
        (13.0, 13.0, 13.0, 13.0),
    ]);
    let strategy = StrategyConfig {
        minimal_roi: [(0, 0.5), (120, 0.1)].into(),
        exit: sma(2, 3, Direction::Below),
        ..crossover(&["BTC/USDT:USDT"])
    };
    let trades = one(&strategy, &candles, &[], Window::ALL);
    let t = &trades[0];
    assert_eq!((t.entry_time, t.exit_time), (4 * HOUR, 6 * HOUR));
    assert_eq!(t.exit_reason, ExitReason::Roi);
    assert!((t.exit_price - 13.2).abs() < 1e-9, "{}", t.exit_price);
    assert!((t.profit_ratio - 0.1).abs() < 1e-9);
}

#[test]
fn the_trailing_stop_locks_in_the_run_up() {
    // Entry at 12 (candle 4). A 10 % trailing stop: after candle 4 (high 15) it is 13.5; after candle 5
    // (high 20) 18. Candle 6 falls to 17: the stop fills at 18, +50 % on the stake, a trailing-stop exit.
    let candles = bars(&[
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 12.0, 10.0, 12.0),
        (12.0, 15.0, 12.0, 15.0),
        (15.0, 20.0, 15.0, 19.0),
        (19.0, 19.0, 17.0, 17.5),
        (17.5, 17.5, 17.5, 17.5),
    ]);
    let strategy = StrategyConfig {
        stoploss: -0.1,
        trailing_stop: true,
        ..crossover(&["BTC/USDT:USDT"])
    };
    let trades = one(&strategy, &candles, &[], Window::ALL);
    let t = &trades[0];
    assert_eq!(
        (t.exit_time, t.exit_reason),
        (6 * HOUR, ExitReason::TrailingStop)
    );
    assert!((t.exit_price - 18.0).abs() < 1e-9, "{}", t.exit_price);
    assert!((t.profit_ratio - 0.5).abs() < 1e-9);
    // Without trailing, the fixed stop at 10.8 never fires: the position runs to the end.
    let fixed = one(
        &StrategyConfig {
            trailing_stop: false,
            ..strategy
        },
        &candles,
        &[],
        Window::ALL,
    );
    assert_eq!(fixed[0].exit_reason, ExitReason::EndOfRange);
}

#[test]
fn a_leveraged_short_pays_and_receives_funding_at_the_funding_times() {
    // Short at candle 4's open, 12, 1,000 margin at 3×: 250 units. Funding at candle 5 (+0.01 %: the short
    // receives 250 × 12.5 × 0.0001 = 0.3125) and candle 6 (-0.02 %: it pays 250 × 12.8 × 0.0002 = 0.64). The
    // exit signal at candle 6's close exits at candle 7's open, 10, so candle 7's event is not charged:
    // 250 × (12 - 10) = 500, less the net 0.3275 paid: 499.6725 (no fee).
    let candles = bars(&[
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 12.0, 10.0, 12.0),
        (12.0, 12.5, 11.5, 12.5),
        (12.5, 13.0, 12.0, 12.8),
        (12.8, 12.8, 11.0, 11.0),
        (10.0, 10.0, 9.0, 9.0),
        (9.0, 9.0, 9.0, 9.0),
    ]);
    let funding = [
        FundingRate {
            time: 5 * HOUR,
            rate: 0.0001,
        },
        FundingRate {
            time: 6 * HOUR,
            rate: -0.0002,
        },
        FundingRate {
            time: 7 * HOUR,
            rate: 0.0003,
        },
    ];
    let strategy = StrategyConfig {
        leverage: 3.0,
        stoploss: -0.9,
        short_entry: Some(sma(2, 3, Direction::Above)),
        short_exit: Some(sma(2, 3, Direction::Below)),
        entry: sma(2, 3, Direction::Below),
        exit: sma(2, 3, Direction::Above),
        ..crossover(&["BTC/USDT:USDT"])
    };
    let trades = one(&strategy, &candles, &funding, Window::ALL);
    let t = &trades[0];
    assert_eq!(
        (t.side, t.entry_time, t.exit_time),
        (Side::Short, 4 * HOUR, 7 * HOUR)
    );
    assert_eq!(t.quantity, 250.0);
    assert!(
        (t.funding_fees - (0.3125 - 0.64)).abs() < 1e-9,
        "{}",
        t.funding_fees
    );
    assert!((t.profit_abs - 499.6725).abs() < 1e-9, "{}", t.profit_abs);
}

#[test]
fn a_gap_beyond_the_margin_liquidates_and_loses_the_margin_only() {
    // Long at 12 with 10× leverage and a 50 % stop (a 5 % move: 11.4). Candle 5 gaps to 9, 25 % down: the
    // stop fills at the open, which is beyond the 10 % the margin covers: liquidated, -1,000.
    let candles = bars(&[
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 10.0, 10.0, 10.0),
        (10.0, 12.0, 10.0, 12.0),
        (12.0, 12.0, 12.0, 12.0),
        (9.0, 9.0, 9.0, 9.0),
        (9.0, 9.0, 9.0, 9.0),
    ]);
    let strategy = StrategyConfig {
        leverage: 10.0,
        ..crossover(&["BTC/USDT:USDT"])
    };
    let trades = one(&strategy, &candles, &[], Window::ALL);
    let t = &trades[0];
    assert_eq!(
        (t.exit_time, t.exit_reason),
        (5 * HOUR, ExitReason::Liquidation)
    );
    assert!((t.profit_abs + 1000.0).abs() < 1e-9, "{}", t.profit_abs);
}

#[test]
fn max_open_trades_caps_positions_across_symbols_sharing_one_wallet() {
    // Three symbols cross at the same close; max_open_trades 2 and a 2,000 wallet: the first two symbols (in
    // order) enter, the third waits for a free slot, which the first's exit gives it two candles later.
    let up = flat(&[10.0, 10.0, 10.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0]);
    let falls = flat(&[10.0, 10.0, 10.0, 12.0, 12.0, 8.0, 8.0, 8.0, 8.0]);
    let late = flat(&[10.0, 10.0, 10.0, 12.0, 12.0, 11.0, 10.5, 13.0, 14.0]);
    let strategy = StrategyConfig {
        max_open_trades: Some(2),
        ..crossover(&["AAA/USDT:USDT", "BBB/USDT:USDT", "CCC/USDT:USDT"])
    };
    let markets = [&falls, &up, &late].map(|c| Market {
        candles: c,
        funding: &[],
    });
    let p = backtest(&strategy, &markets, Window::ALL, &NO_SLIP).expect("runs");
    assert_eq!(
        p.metrics.starting_balance, 2000.0,
        "stake × max_open_trades"
    );
    let entries: Vec<Vec<i64>> = p
        .symbols
        .iter()
        .map(|s| s.trades.iter().map(|t| t.entry_time / HOUR).collect())
        .collect();
    // AAA falls below its SMA(3) at candle 5's close and exits at candle 6's open; CCC's own cross back up
    // comes at candle 7's close: it enters at candle 8 with the slot AAA freed.
    assert_eq!(entries, [vec![4], vec![4], vec![8]], "{:?}", p.symbols);
    assert_eq!(p.symbols[0].trades[0].exit_reason, ExitReason::Signal);
    let total: f64 = p.symbols.iter().map(|s| s.summary.profit_abs).sum();
    assert!(
        (p.metrics.final_balance - (2000.0 + total)).abs() < 1e-9,
        "one wallet: its balance is the sum of every symbol's trades"
    );
    assert_eq!(p.times.len(), 9);
}

#[test]
fn candles_out_of_order_are_refused_whichever_rule_reads_them_and_wherever_they_are() {
    let mut candles = flat(&[10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0]);
    candles.swap(5, 6);
    let rsi = StrategyConfig {
        entry: Signal::Rsi {
            period: 2,
            threshold: 50.0,
            direction: Direction::Above,
        },
        exit: Signal::Rsi {
            period: 2,
            threshold: 50.0,
            direction: Direction::Below,
        },
        ..crossover(&["BTC/USDT:USDT"])
    };
    let market = [Market {
        candles: &candles,
        funding: &[],
    }];
    for strategy in [crossover(&["BTC/USDT:USDT"]), rsi] {
        let err = backtest(&strategy, &market, Window::ALL, &NO_SLIP).expect_err("out of order");
        assert!(err.to_string().contains("time order"), "{err}");
    }
    // After the window: not traded, but where the window ends depends on it.
    let window = Window {
        start: 0,
        end: 3 * HOUR,
    };
    let err = backtest(&crossover(&["BTC/USDT:USDT"]), &market, window, &NO_SLIP)
        .expect_err("out of order after the window");
    assert!(err.to_string().contains("time order"), "{err}");
}
