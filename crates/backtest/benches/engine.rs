//! Engine throughput on 1,000,000 hourly candles: SMA 20/50 crossover, long only, 0.1 % fees, 5 bp
//! slippage, with the equity curve, drawdown, sharpe and trade list. Goal: ≥ 60M candles/s (5× the pandas
//! baseline of issue 8). Run: `cargo bench -p tradai-backtest --bench engine`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tradai_backtest::{run, synthetic, Settings};
use tradai_domain::entities::Timeframe;

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

criterion_group!(benches, engine);
criterion_main!(benches);
