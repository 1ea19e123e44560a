//! The AWS emulator for integration tests (DESIGN §5). In order of preference:
//! 1. `AWS_ENDPOINT_URL`, when set (an emulator someone already runs, e.g. the one `scripts/test` starts);
//! 2. LocalStack in Docker through testcontainers, when built with the `localstack` feature and a Docker socket
//!    exists;
//! 3. a moto server on a free port of 127.0.0.1, from the venv `scripts/install-emulator` creates.
//!
//! A missing emulator is a test failure that says how to install one, never a skip.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;

use tradai_aws::provision::{self, Provisioned};
use tradai_aws::{Clients, Endpoint};
use tradai_config::Config;

/// The launcher that runs moto and exits with its parent process.
const LAUNCHER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/moto_launcher.py");

/// The emulator endpoint for this process, started on first use.
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let url = match std::env::var("AWS_ENDPOINT_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => start(),
        };
        enable_step_functions(&url);
        url
    })
}

#[cfg(feature = "localstack")]
fn start() -> String {
    let docker = std::path::Path::new("/var/run/docker.sock").exists()
        || std::env::var_os("DOCKER_HOST").is_some();
    if docker {
        localstack()
    } else {
        moto()
    }
}

#[cfg(not(feature = "localstack"))]
fn start() -> String {
    moto()
}

#[cfg(feature = "localstack")]
fn localstack() -> String {
    use testcontainers_modules::localstack::LocalStack;
    use testcontainers_modules::testcontainers::runners::SyncRunner;
    let container = LocalStack::default()
        .start()
        .expect("LocalStack starts in Docker");
    let port = container
        .get_host_port_ipv4(4566)
        .expect("LocalStack maps its port");
    // The container lives as long as the test process.
    std::mem::forget(container);
    format!("http://127.0.0.1:{port}")
}

fn moto() -> String {
    let venv = crate::launch::venv("TRADAI_EMULATOR_VENV", "moto-venv");
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "The AWS emulator is not installed ({} is missing). Run ./scripts/install-emulator to install moto[server] from PyPI \
         into {}, or set AWS_ENDPOINT_URL to a running emulator (moto or LocalStack).",
        python.display(),
        venv.display()
    );
    let port = crate::launch::free_port();
    crate::launch::until_ready(&python, &[LAUNCHER, &port.to_string()], "moto");
    format!("http://127.0.0.1:{port}")
}

/// moto runs Step Functions executions only when told to; other emulators ignore the call.
fn enable_step_functions(url: &str) {
    let Some(address) = url.strip_prefix("http://") else {
        return;
    };
    let body = r#"{"stepfunctions":{"execute_state_machine":true}}"#;
    if let Ok(mut stream) = TcpStream::connect(address.trim_end_matches('/')) {
        let request = format!(
            "POST /moto-api/config HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(request.as_bytes());
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

/// Clients pointed at the emulator (one set per test: SDK clients belong to the runtime that uses them), each
/// call recorded for [`assert_declared`].
pub async fn clients(config: &Config) -> Clients {
    let endpoint = Endpoint::Emulator {
        region: config.settings().aws.region.clone(),
        url: endpoint().to_owned(),
    };
    Clients::connect_recorded(&endpoint, &tradai_aws::CallLog::default()).await
}

/// Forget the calls made so far (a test's own setup through the clients).
pub fn forget_calls(clients: &Clients) {
    if let Some(calls) = &clients.calls {
        calls.take();
    }
}

/// Every AWS call made through `clients` since the last check is an action of `declared` (an adapter's
/// `ACCESS`): a call the declaration lacks is one the deployed role does not grant, so AWS would deny it.
pub fn assert_declared(clients: &Clients, declared: &[&tradai_config::access::Access]) {
    let calls = clients
        .calls
        .as_ref()
        .expect("clients built by emulator::clients record their calls")
        .take();
    let allowed: std::collections::BTreeSet<&str> =
        declared.iter().flat_map(|a| a.actions()).collect();
    let undeclared: Vec<&String> = calls
        .iter()
        .filter(|c| !allowed.contains(c.as_str()))
        .collect();
    let adapters: Vec<&str> = declared.iter().map(|a| a.adapter).collect();
    assert!(
        undeclared.is_empty(),
        "{adapters:?} called {undeclared:?}, which its declaration (tradai_config::access) lacks"
    );
    assert!(
        !calls.is_empty(),
        "{adapters:?} made no AWS call: nothing was checked"
    );
}

/// The ARN of a (not created) role for Step Functions in the emulator's account: the emulator checks the
/// shape, not the role.
pub async fn states_role(clients: &Clients, config: &Config) -> String {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .expect("caller identity");
    let account = identity.account().expect("account");
    format!(
        "arn:aws:iam::{account}:role/{}",
        config.names().resource("states")
    )
}

/// A config with a fresh name prefix, its clients, and every table, bucket, queue and topic it defines.
pub async fn provisioned() -> (Config, Clients, Provisioned) {
    let config = crate::config_with_prefix(&crate::unique_prefix());
    let clients = clients(&config).await;
    let provisioned = provision::all(&clients, &config)
        .await
        .expect("provisioning from the canonical config");
    forget_calls(&clients);
    (config, clients, provisioned)
}
