//! Load + validate one environment (goal: under 1 ms). Run: `cargo bench -p tradai-config --bench load`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use tradai_config::{diff, ConfigDir, Environment, Loader};

fn load_and_validate(c: &mut Criterion) {
    let embedded = Loader::embedded().without_env_vars();
    let on_disk = Loader::new(ConfigDir::Path(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("environments"),
    ))
    .without_env_vars();
    c.bench_function("load+validate prod (embedded)", |b| {
        b.iter(|| embedded.load(black_box(Environment::Prod)).expect("valid"))
    });
    c.bench_function("load+validate prod (files on disk)", |b| {
        b.iter(|| on_disk.load(black_box(Environment::Prod)).expect("valid"))
    });
    let dev = embedded.load(Environment::Dev).expect("valid");
    let prod = embedded.load(Environment::Prod).expect("valid");
    c.bench_function("diff dev prod", |b| {
        b.iter(|| diff(black_box(&dev), black_box(&prod)))
    });
}

criterion_group!(benches, load_and_validate);
criterion_main!(benches);
