//! What every part of the running twin shares: the planned graph with the real ids it was created with, the
//! catalogue of programs the planned images stand for, the emulator's clients and the processes' context.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};
use tradai_config::images::Image;

use super::cognito::Ids;
use super::graph::Graph;
use super::processes::{Context, Program};

/// Where the service binaries are: `TRADAI_TWIN_BIN_DIR`, else beside this binary (as cargo builds them).
fn binaries() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TRADAI_TWIN_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("locating the tradai binary")?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow!("{} has no directory", exe.display()))
}

/// The MLflow venv `scripts/install-mlflow` makes: `TRADAI_MLFLOW_VENV`, else `~/.cache/tradai/mlflow-venv`.
fn mlflow_venv() -> PathBuf {
    super::emulator::ours("TRADAI_MLFLOW_VENV", "mlflow-venv")
}

/// The programs the planned images stand for: our binaries (beside this one, or `TRADAI_TWIN_BIN_DIR`) and
/// MLflow (from its venv), by repository key.
#[derive(Debug, Clone)]
pub struct Catalog {
    images: BTreeMap<String, Image>,
    binaries: PathBuf,
    mlflow: PathBuf,
}

impl Catalog {
    /// The image plan of `config`, with the binaries' and MLflow's places.
    pub fn new(config: &tradai_config::Config) -> anyhow::Result<Catalog> {
        Ok(Catalog {
            images: tradai_config::images::plan(config)
                .into_iter()
                .map(|i| (i.repository.clone(), i))
                .collect(),
            binaries: binaries()?,
            mlflow: mlflow_venv(),
        })
    }

    /// The binary of this workspace the image `repository` holds.
    pub fn binary(&self, repository: &str) -> Option<PathBuf> {
        let binary = self.images.get(repository)?.binary.as_ref()?;
        Some(self.binaries.join(binary))
    }

    /// The program the image `repository` runs: one of our binaries, or MLflow.
    pub fn program(&self, repository: &str) -> Option<Program> {
        match self.binary(repository) {
            Some(binary) => Some(Program::Binary(binary)),
            None if self.images.get(repository)?.target == "mlflow" => {
                Some(Program::Mlflow(self.mlflow.join("bin/mlflow")))
            }
            None => None,
        }
    }
}

/// The running twin's shared parts.
#[derive(Debug)]
pub struct Plane {
    pub graph: Graph,
    pub ids: Ids,
    pub catalog: Catalog,
    pub region: String,
    pub clients: tradai_aws::Clients,
    pub cx: Context,
}

/// `path` must exist, else the command that builds or installs it.
pub fn present(program: &Program, what: &str) -> anyhow::Result<()> {
    let path = program.path();
    if path.exists() {
        return Ok(());
    }
    Err(match program {
        Program::Binary(_) => anyhow!(
            "{what}: its binary {} does not exist: build it with `cargo build --bin {}` (or set TRADAI_TWIN_BIN_DIR)",
            path.display(),
            path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default()
        ),
        Program::Mlflow(_) => anyhow!(
            "{what}: {} does not exist: install MLflow with ./scripts/install-mlflow (or set TRADAI_MLFLOW_VENV)",
            path.display()
        ),
    })
}

/// Serve `app` on a free loopback port until the process ends; its address.
pub async fn serve_loopback(app: axum::Router) -> anyhow::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(address)
}
