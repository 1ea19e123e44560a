//! Engine throughput on 1,000,000 hourly candles: SMA 20/50 crossover, long only, 0.1 % fees, 5 bp
//! slippage, with the equity curve, drawdown, sharpe and trade list. Goal: ≥ 60M candles/s (5× the pandas
//! baseline of issue 8). And a portfolio: 10 symbols of 100,000 candles sharing one wallet under
//! `max_open_trades` 3, with a minimal-ROI table and a trailing stop (issue 21). Run:
//! `cargo bench -p tradai-backtest --bench engine`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tradai_backtest::synthetic::{series, Shape};
use tradai_backtest::{backtest, run, synthetic, Market, Settings, Window};
use tradai_domain::entities::{StrategyConfig, Timeframe};

fn engine(c: &mut Criterion) {
    let candles = synthetic::walk(42, 1_000_000, Timeframe::H1);
    let strategy = synthetic::sma_crossover();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(candles.len() as u64));
    group.sample_size(20);
    group.bench_function("sma 20/50 over 1M candles", |b| {
        b.iter(|| {
            run(
                black_box(&strategy),
                black_box(&candles),
                &Settings::default(),
            )
            .expect("runs")
        })
    });
    group.finish();
}

fn portfolio(c: &mut Criterion) {
    let shapes = [
        Shape::Walk,
        Shape::Trending(0.001),
        Shape::Ranging,
        Shape::Gappy,
    ];
    let data: Vec<_> = (0..10u64)
        .map(|k| series(k, 100_000, Timeframe::H1, shapes[k as usize % shapes.len()]))
        .collect();
    let symbols = (0..10)
        .map(|k| format!("S{k}/USDT:USDT").parse().expect("symbol"))
        .collect();
    let strategy = StrategyConfig {
        symbols,
        max_open_trades: Some(3),
        minimal_roi: [(0, 0.04), (240, 0.02), (720, 0.0)].into(),
        trailing_stop: true,
        trailing_stop_positive: Some(0.01),
        trailing_stop_positive_offset: 0.02,
        ..synthetic::sma_crossover()
    };
    let markets: Vec<Market> = data
        .iter()
        .map(|candles| Market {
            candles,
            funding: &[],
        })
        .collect();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1_000_000));
    group.sample_size(20);
    group.bench_function("portfolio of 10 × 100k candles, ROI and trailing", |b| {
        b.iter(|| {
            backtest(
                black_box(&strategy),
                black_box(&markets),
                Window::ALL,
                &Settings::default(),
            )
            .expect("runs")
        })
    });
    group.finish();
}

criterion_group!(benches, engine, portfolio);
criterion_main!(benches);
