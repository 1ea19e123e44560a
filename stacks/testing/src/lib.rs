//! `tradai-stack-testing`: run a real stack program against an in-process mock Pulumi engine and get back every
//! resource it registered (type, name, inputs, parent, dependencies) and its exports. The engine answers every
//! required output with a realistic fake from the schema subset, and StackReference reads (and the program's
//! `pulumi stack output` preflight) with the recorded exports of an upstream run.

mod cli;
pub mod cost;
mod engine;
mod fakes;
mod plan;
pub mod policy;
pub mod semantics;
mod values;

use std::path::Path;
use std::sync::{Arc, Mutex};

use pulumi_gestalt_proto::pulumi::pulumirpc::engine_server::EngineServer;
use pulumi_gestalt_proto::pulumi::pulumirpc::resource_monitor_server::ResourceMonitorServer;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt as _;

pub use engine::{Recording, Registered};
pub use fakes::{arn_of, fake_id, is_arn_of, FAKE_ACCOUNT};
pub use plan::{aws_schema, plan, to_json, PlanError, Planned};

/// How to run a program.
#[derive(Debug, Clone)]
pub struct RunSpec<'a> {
    /// The compiled stack program.
    pub program: &'a Path,
    pub project: &'a str,
    /// `<layer>-<env>`.
    pub stack: &'a str,
    pub organization: &'a str,
    /// `PULUMI_CONFIG` entries (`project:key` → value).
    pub config: Map<String, Value>,
    /// Exports of upstream stacks, by fully qualified stack name, for StackReference reads.
    pub references: Map<String, Value>,
    /// The pulumi-aws schema subset (for fake outputs).
    pub schema: &'a Value,
    pub region: &'a str,
    pub dry_run: bool,
    /// The config directory the program must read (`TRADAI_CONFIG_DIR`); `None` lets it discover its own.
    pub config_dir: Option<&'a Path>,
}

/// The outcome of a run.
#[derive(Debug)]
pub struct Run {
    pub recording: Recording,
    pub success: bool,
    pub stderr: String,
}

/// Start the engine on free local ports, run the program to completion, and return what it registered.
pub async fn run(spec: RunSpec<'_>) -> std::io::Result<Run> {
    let shared = engine::Shared {
        recording: Arc::new(Mutex::new(Recording::default())),
        schema: Arc::new(spec.schema.clone()),
        project: spec.project.to_owned(),
        stack: spec.stack.to_owned(),
        region: spec.region.to_owned(),
        references: Arc::new(spec.references.clone()),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tonic::transport::Server::builder()
        .add_service(ResourceMonitorServer::new(engine::Monitor(shared.clone())))
        .add_service(EngineServer::new(engine::EngineService(shared.clone())))
        // No Nagle: every registration is a small request answered at once; delayed ACKs would add ~40 ms each.
        .serve_with_incoming(
            TcpListenerStream::new(listener)
                .map(|stream| stream.and_then(|s| s.set_nodelay(true).map(|()| s))),
        );
    let server = tokio::spawn(server);
    let cli = cli::FakeCli::new(&spec.references)?;
    let mut command = tokio::process::Command::new(spec.program);
    if let Some(dir) = spec.config_dir {
        command.env("TRADAI_CONFIG_DIR", dir);
    }
    let output = command
        .env("PULUMI_MONITOR", address.to_string())
        .env("PULUMI_ENGINE", address.to_string())
        .env("PULUMI_STACK", spec.stack)
        .env("PULUMI_PROJECT", spec.project)
        .env("PULUMI_ORGANIZATION", spec.organization)
        .env("PULUMI_ROOT_DIRECTORY", std::env::temp_dir())
        .env("PULUMI_DRY_RUN", spec.dry_run.to_string())
        .env(
            "PULUMI_CONFIG",
            Value::Object(spec.config.clone()).to_string(),
        )
        .env("PULUMI_CONFIG_SECRET_KEYS", "[]")
        .env("PATH", cli.path())
        .kill_on_drop(true)
        .output()
        .await?;
    server.abort();
    let recording = std::mem::take(
        &mut *shared
            .recording
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    Ok(Run {
        recording,
        success: output.status.success(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
