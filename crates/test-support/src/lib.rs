//! `tradai-test-support`: sample records, the contract suites every adapter of a port must pass, and the AWS
//! emulator harness.

pub mod contracts;
pub mod emulator;
pub mod faults;
pub mod launch;
pub mod mlflow;
pub mod samples;

/// The embedded dev config with the name prefix `prefix` (so each test gets its own resources).
pub fn config_with_prefix(prefix: &str) -> tradai_config::Config {
    tradai_config::Loader::embedded()
        .without_env_vars()
        .with_value("project.name", prefix)
        .load(tradai_config::Environment::Dev)
        .expect("the embedded dev config is valid")
}

/// A fresh lower-case name prefix, unique within the process and across runs.
pub fn unique_prefix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "t{:x}{}",
        nanos & 0xfffff,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
