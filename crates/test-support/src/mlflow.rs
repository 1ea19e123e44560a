//! A real MLflow tracking server for tests of the model-registry adapter: `MLFLOW_TRACKING_URI` when set (the
//! one `scripts/test` starts), otherwise one started on a free loopback port with a SQLite store in a fresh
//! directory, from the venv `scripts/install-mlflow` creates. A missing install is a failure that says how to
//! install it, never a skip.

use std::sync::OnceLock;

const LAUNCHER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/mlflow_launcher.py");

/// The tracking URI for this process, started on first use.
pub fn tracking_uri() -> &'static str {
    static URI: OnceLock<String> = OnceLock::new();
    URI.get_or_init(|| match std::env::var("MLFLOW_TRACKING_URI") {
        Ok(uri) if !uri.is_empty() => uri,
        _ => start(),
    })
}

fn start() -> String {
    let venv = crate::launch::venv("TRADAI_MLFLOW_VENV", "mlflow-venv");
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "MLflow is not installed ({} is missing). Run ./scripts/install-mlflow to install it from PyPI into {}, \
         or set MLFLOW_TRACKING_URI to a running MLflow server.",
        python.display(),
        venv.display()
    );
    let port = crate::launch::free_port();
    crate::launch::until_ready(&python, &[LAUNCHER, &port.to_string()], "MLflow");
    format!("http://127.0.0.1:{port}")
}
