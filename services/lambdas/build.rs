//! Validate the embedded canonical config of every environment now, and embed each one's settings as JSON, so
//! a function's cold start deserialises them instead of merging, checking and validating three TOML layers
//! (docs/benchmarks.md). A config that does not validate embeds nothing: the binary then loads it at start and
//! reports why, as before.

use std::path::PathBuf;

use tradai_config::{Environment, Loader};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for env in Environment::ALL {
        let json = Loader::embedded()
            .without_env_vars()
            .load(env)
            .ok()
            .and_then(|config| serde_json::to_string(config.settings()).ok())
            .unwrap_or_default();
        std::fs::write(out.join(format!("{}.json", env.as_str())), json).expect("write to OUT_DIR");
    }
}
