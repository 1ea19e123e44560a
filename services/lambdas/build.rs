//! Validate the embedded canonical config of every environment now, and embed each one's settings as JSON, so
//! a function's cold start deserialises them instead of merging, checking and validating three TOML layers
//! (docs/benchmarks.md), and links no TOML parser or validation rules. A config that does not validate embeds
//! its problems instead (`<env>.problems`), which the binary reports at start.

use std::path::PathBuf;

use tradai_config::{Environment, Loader};

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for env in Environment::ALL {
        let (json, problems) = match Loader::embedded().without_env_vars().load(env) {
            Ok(config) => (
                serde_json::to_string(config.settings()).expect("settings serialise"),
                String::new(),
            ),
            Err(e) => (String::new(), e.to_string()),
        };
        let write = |ext: &str, text: &str| {
            std::fs::write(out.join(format!("{}.{ext}", env.as_str())), text)
                .expect("write to OUT_DIR")
        };
        write("json", &json);
        write("problems", &problems);
    }
}
