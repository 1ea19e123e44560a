//! Build the graphs of all four layers of every environment on the mock engine (12 program runs).
//! Run: `cargo bench -p tradai-stack-program --bench graphs`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use tradai_config::{Environment, Layer, Loader};

fn graphs(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let program = Path::new(env!("CARGO_BIN_EXE_tradai-pulumi"));
    let configs: Vec<_> = Environment::ALL
        .iter()
        .map(|env| {
            Loader::embedded()
                .without_env_vars()
                .load(*env)
                .expect("valid")
        })
        .collect();
    let mut group = c.benchmark_group("stack graphs");
    group.sample_size(10);
    group.bench_function("4 layers × dev + staging + prod", |b| {
        b.iter(|| {
            for config in &configs {
                let planned = runtime
                    .block_on(tradai_stack_testing::plan(
                        program,
                        config,
                        &Layer::ALL,
                        None,
                    ))
                    .expect("plans");
                assert!(planned.len() > 350);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, graphs);
criterion_main!(benches);
