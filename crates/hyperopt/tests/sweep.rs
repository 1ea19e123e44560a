//! A sweep end to end on one machine over generated candles: the best trial, reproducibility, constraints,
//! invalid points, median pruning over folds, and cancelling mid-sweep.

use std::sync::atomic::{AtomicBool, Ordering};

use tradai_backtest::{synthetic, Market, Window};
use tradai_domain::entities::{Candle, StrategyConfig, Timeframe};
use tradai_hyperopt::{
    evaluate, sweep, Constraints, Outcome, Rounds, SamplerKind, Spec, Trial, TrialState,
};

fn candles() -> Vec<Candle> {
    synthetic::walk(5, 6_000, Timeframe::H1)
}

fn strategy() -> StrategyConfig {
    tradai_hyperopt::sample::strategy()
}

fn spec(sampler: SamplerKind, trials: u32) -> Spec {
    Spec {
        round_size: 4,
        ..Spec::new(sampler, trials, 11)
    }
}

/// The candles' market and the window after 200 warm-up candles.
fn market(candles: &[Candle]) -> ([Market<'_>; 1], Window) {
    let markets = [Market {
        candles,
        funding: &[],
    }];
    let window = Window {
        start: candles[200].open_time,
        end: i64::MAX,
    };
    (markets, window)
}

fn run(
    strategy: &StrategyConfig,
    spec: &Spec,
    workers: usize,
    cancel_after: Option<usize>,
) -> Outcome {
    let candles = candles();
    let (markets, window) = market(&candles);
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    sweep(
        strategy,
        spec,
        &markets,
        window,
        workers,
        &cancel,
        |_, _| {
            seen += 1;
            if cancel_after.is_some_and(|n| seen >= n) {
                cancel.store(true, Ordering::Relaxed);
            }
        },
    )
    .expect("sweeps")
}

#[test]
fn the_best_trial_is_the_highest_complete_one_and_a_seed_repeats_the_sweep() {
    let outcome = run(&strategy(), &spec(SamplerKind::Tpe, 40), 2, None);
    assert_eq!(outcome.trials.len(), 40);
    assert!(!outcome.cancelled);
    let numbers: Vec<u32> = outcome.trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..40).collect::<Vec<_>>(), "in trial order");
    let best = &outcome.trials[outcome.best.expect("a best trial")];
    let top = outcome
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.value)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(best.value, Some(top));
    // Windows that cross are invalid points, never the best.
    assert!(best.params["entry.fast"].as_i64() < best.params["entry.slow"].as_i64());
    assert_eq!(
        run(&strategy(), &spec(SamplerKind::Tpe, 40), 2, None),
        outcome
    );
}

#[test]
fn crossing_windows_are_invalid_trials_with_the_reason() {
    let outcome = run(&strategy(), &spec(SamplerKind::Random, 30), 2, None);
    let invalid: Vec<_> = outcome
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Invalid)
        .collect();
    assert!(
        !invalid.is_empty(),
        "fast 5..40 against slow 20..120 crosses sometimes"
    );
    for t in invalid {
        assert!(t.params["entry.fast"].as_i64() >= t.params["entry.slow"].as_i64());
        assert!(
            t.reason
                .as_deref()
                .unwrap_or("")
                .contains("shorter than slow"),
            "{t:?}"
        );
    }
}

#[test]
fn trials_missing_a_constraint_are_rejected_and_never_best() {
    let mut demanding = spec(SamplerKind::Random, 12);
    demanding.constraints = Constraints {
        min_trades: Some(1_000_000),
        max_drawdown: None,
    };
    let outcome = run(&strategy(), &demanding, 2, None);
    assert_eq!(outcome.best, None);
    assert!(outcome
        .trials
        .iter()
        .all(|t| matches!(t.state, TrialState::Rejected | TrialState::Invalid)));
}

#[test]
fn the_median_pruner_stops_trials_below_the_median_between_folds() {
    let mut folded = spec(SamplerKind::Random, 40);
    folded.folds = 4;
    let outcome = run(&strategy(), &folded, 2, None);
    let pruned: Vec<_> = outcome
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .collect();
    assert!(!pruned.is_empty(), "some trials fall below the median");
    assert!(pruned.iter().all(|t| t.folds.len() < 4 && t.number >= 5));
    let complete = outcome
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Complete);
    assert!(complete.clone().count() > 0 && complete.clone().all(|t| t.folds.len() == 4));
}

#[test]
fn cancelling_keeps_the_finished_trials_and_starts_no_more() {
    let outcome = run(&strategy(), &spec(SamplerKind::Tpe, 200), 2, Some(6));
    assert!(outcome.cancelled);
    assert_eq!(
        outcome.trials.len(),
        8,
        "cancelled after the 6th trial, in the second round of 4: the round's trials had finished"
    );
}

#[test]
fn a_bad_spec_or_a_strategy_without_a_space_is_refused_with_its_field() {
    let candles = candles();
    let markets = [Market {
        candles: &candles,
        funding: &[],
    }];
    let cancel = AtomicBool::new(false);
    let go = |strategy: &StrategyConfig, spec: &Spec| {
        sweep(strategy, spec, &markets, Window::ALL, 1, &cancel, |_, _| {})
            .expect_err("refused")
            .to_string()
    };
    assert!(go(&strategy(), &spec(SamplerKind::Tpe, 0)).starts_with("trials: 0"));
    let mut folds = spec(SamplerKind::Tpe, 5);
    folds.folds = 99;
    assert!(go(&strategy(), &folds).starts_with("folds: 99"));
    assert!(go(&synthetic::sma_crossover(), &spec(SamplerKind::Tpe, 5))
        .starts_with("strategy.search_space"));
}

#[test]
fn the_same_seed_gives_the_same_sweep_whatever_the_workers() {
    let spec = spec(SamplerKind::Tpe, 24);
    let one = run(&strategy(), &spec, 1, None);
    assert_eq!(run(&strategy(), &spec, 2, None), one);
    assert_eq!(run(&strategy(), &spec, 3, None), one);
}

#[test]
fn a_stateless_planner_and_item_runner_reproduce_the_sweep_round_by_round() {
    // What the cloud does: each round planned by a task that replays the stored trials, each item run by a
    // task given its points and the earlier trials, every trial stored as JSON in between.
    let mut spec = spec(SamplerKind::Tpe, 22);
    spec.folds = 2;
    let strategy = strategy();
    let outcome = run(&strategy, &spec, 2, None);
    let candles = candles();
    let (markets, window) = market(&candles);
    let cancel = AtomicBool::new(false);
    let mut stored: Vec<Trial> = Vec::new();
    for round in 0.. {
        let earlier: Vec<Trial> =
            serde_json::from_str(&serde_json::to_string(&stored).expect("json")).expect("back");
        let points = Rounds::replay(&strategy, &spec, &earlier, round).expect("plans");
        if points.is_empty() {
            break;
        }
        let (first, second) = points.split_at(points.len() / 2);
        for item in [first, second] {
            stored.extend(evaluate(
                &strategy, &spec, &markets, window, item, &earlier, 1, &cancel,
            ));
        }
    }
    assert_eq!(stored, outcome.trials);
}
