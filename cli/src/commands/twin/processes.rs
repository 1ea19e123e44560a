//! The planned ECS services as processes: each runs its image's binary with exactly its task definition's
//! command, environment and secrets, in an empty working directory (as in its image: the binary reads the
//! config built into it). The only additions are the emulator (`AWS_ENDPOINT_URL` and placeholder
//! credentials, where AWS gives the task role's), the service's loopback address (`SERVICE_HOST`), the twin's
//! Cloud Map zone (`TRADAI_DISCOVERY_DNS`), the replay of the recorded exchange pages (`BINANCE_FUTURES_URL`)
//! and the stand-in for the user-pool domain's token endpoint (`COGNITO_TOKEN_URL`). Its planned health check then runs, with the image's binary path
//! mapped to the binary, until it passes or the planned bound (start period + retries × interval) is spent.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use tokio::process::{Child, Command};

use super::compute::{HealthCheck, Service};

/// One started service.
#[derive(Debug)]
pub struct Running {
    pub service: Service,
    pub address: SocketAddr,
    pub log: PathBuf,
    pub child: Child,
    pub health: String,
}

/// What every process of the twin shares.
#[derive(Debug, Clone)]
pub struct Context {
    pub endpoint: String,
    pub zone: SocketAddr,
    pub logs: PathBuf,
    /// The replay of the recorded Binance USD-M pages, standing in for the exchange as the emulator stands in
    /// for AWS.
    pub binance: String,
    /// The twin's stand-in for the user-pool domain's token endpoint, when it could load the emulator's key.
    pub token_url: Option<String>,
}

/// `vars` with every planned id replaced by the real one (as `pulumi up` resolves outputs).
pub fn resolved(vars: &BTreeMap<String, String>, ids: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    vars.iter().map(|(k, v)| (k.clone(), resolve(v, ids))).collect()
}

/// `value` with every planned id replaced by the real one.
pub fn resolve(value: &str, ids: &BTreeMap<String, String>) -> String {
    ids.iter()
        .fold(value.to_owned(), |v, (planned, real)| v.replace(planned, real))
}

/// The variables the twin adds to a process's environment, and nothing else: the emulator and placeholder
/// credentials, the loopback address a service listens on (`None` for a function, which listens nowhere), the
/// Cloud Map zone, and the stand-ins for the exchange and the token endpoint.
pub fn additions(cx: &Context, ip: Option<Ipv4Addr>, role: Option<&str>) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", Some(cx.endpoint.clone())),
        ("AWS_ACCESS_KEY_ID", Some(role.unwrap_or("twin").to_owned())),
        ("AWS_SECRET_ACCESS_KEY", Some("twin".into())),
        ("SERVICE_HOST", ip.map(|ip| ip.to_string())),
        (tradai_discovery::DNS_SERVER_VARIABLE, Some(cx.zone.to_string())),
        ("BINANCE_FUTURES_URL", Some(cx.binance.clone())),
        ("COGNITO_TOKEN_URL", cx.token_url.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_owned(), v?)))
    .collect()
}

/// The environment `service` runs with: its planned variables (planned ids replaced by real ones), its
/// secrets' values, and the twin's additions.
pub fn environment(
    service: &Service,
    secrets: &BTreeMap<String, String>,
    ids: &BTreeMap<String, String>,
    ip: Ipv4Addr,
    cx: &Context,
) -> BTreeMap<String, String> {
    let mut env = resolved(&service.environment, ids);
    env.extend(secrets.clone());
    env.extend(additions(cx, Some(ip), service.role.as_deref()));
    env
}

/// The command line of `argv` with the image's binary (`/usr/local/bin/app`) mapped to `binary`.
fn mapped(argv: &[String], binary: &Path) -> Vec<String> {
    argv.iter()
        .map(|a| {
            if a == tradai_service_kit::probe::IMAGE_BINARY {
                binary.display().to_string()
            } else {
                a.clone()
            }
        })
        .collect()
}

/// How a planned container runs in the twin.
#[derive(Debug, Clone)]
pub enum Program {
    /// A binary of this workspace (a `service:<binary>` image).
    Binary(PathBuf),
    /// The `mlflow` image: the tracking server from an MLflow venv (`scripts/install-mlflow`).
    Mlflow(PathBuf),
}

impl Program {
    pub fn path(&self) -> &Path {
        match self {
            Program::Binary(p) | Program::Mlflow(p) => p,
        }
    }
}

/// The directory, output file and its path of the process `name`.
pub fn output(name: &str, cx: &Context) -> anyhow::Result<(PathBuf, std::fs::File, PathBuf)> {
    let dir = cx.logs.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let log = dir.join("output.log");
    let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    Ok((dir, out, log))
}

/// The program and arguments of `service` as `program` on `ip`. A binary runs the planned command (the image's
/// entry point is the binary itself). MLflow runs as the `mlflow` image's entry point does, with one change:
/// its store is SQLite and its artifacts a directory beside its output, since the twin has no RDS database and
/// the venv no S3 client (decision W42).
fn argv(service: &Service, program: &Program, ip: Ipv4Addr, dir: &Path) -> Vec<String> {
    match program {
        Program::Binary(binary) => {
            let args = mapped(&service.command, binary);
            match args.first() {
                Some(first) if Path::new(first) == binary => args[1..].to_vec(),
                _ => args,
            }
        }
        Program::Mlflow(_) => {
            let port = service.port.unwrap_or(5000).to_string();
            let store = format!("sqlite:///{}", dir.join("mlflow.db").display());
            let artifacts = dir.join("artifacts").display().to_string();
            [
                "server",
                "--host",
                &ip.to_string(),
                "--port",
                &port,
                "--workers",
                "1",
            ]
            .into_iter()
            .map(str::to_owned)
            .chain([
                "--backend-store-uri".into(),
                store,
                "--artifacts-destination".into(),
                artifacts,
            ])
            .chain(["--serve-artifacts".to_owned()])
            .collect()
        }
    }
}

/// Start `service` as `program` with `env`, listening on `ip`.
pub fn start(
    service: &Service,
    program: &Program,
    env: &BTreeMap<String, String>,
    ip: Ipv4Addr,
    cx: &Context,
) -> anyhow::Result<Running> {
    let (dir, out, log) = output(&service.name, cx)?;
    let args = argv(service, program, ip, &dir);
    let mut command = Command::new(program.path());
    command.args(&args).env_clear().envs(env);
    if let Program::Mlflow(_) = program {
        // Python needs a PATH to find its own tools; the MLflow server reads nothing else of the twin's.
        command.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    }
    // A process group of its own, as a container is: stopping the service stops what it started (MLflow's
    // gunicorn workers).
    let child = command
        .process_group(0)
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("{}: starting {}", service.name, program.path().display()))?;
    let port = service
        .port
        .or(service.registration.as_ref().map(|r| r.port))
        .unwrap_or(0);
    Ok(Running {
        service: service.clone(),
        address: SocketAddr::from((ip, port)),
        log,
        child,
        health: String::new(),
    })
}

/// The last lines of a log, to say why a process stopped.
pub fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// One run of a health check: `Ok(None)` when it passed, `Ok(Some(why))` when it did not.
async fn check_once(
    running: &Running,
    check: &HealthCheck,
    program: &Program,
    env: &BTreeMap<String, String>,
) -> anyhow::Result<Option<String>> {
    let timeout = Duration::from_secs(check.timeout_s);
    let Program::Binary(binary) = program else {
        // The MLflow image's check is Python's urllib fetching /health on the loopback port; the twin fetches
        // the same route at the server's own address.
        let address = running.address;
        let probe = move || tradai_service_kit::probe::probe(address, "/health", timeout);
        return Ok(tokio::task::spawn_blocking(probe).await?.err());
    };
    let argv = mapped(&check.command, binary);
    let (first, args) = argv
        .split_first()
        .ok_or_else(|| anyhow!("{}: the health check has no command", running.service.name))?;
    let attempt = Command::new(first)
        .args(args)
        .env_clear()
        .envs(env)
        .current_dir(running.log.parent().unwrap_or(Path::new(".")))
        .output();
    match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok(out)) if out.status.success() => Ok(None),
        Ok(Ok(out)) => Ok(Some(String::from_utf8_lossy(&out.stderr).trim().to_owned())),
        Ok(Err(e)) => bail!(
            "{}: its health check `{}` cannot run: {e}",
            running.service.name,
            argv.join(" ")
        ),
        Err(_) => Ok(Some(format!("timed out after {} s", check.timeout_s))),
    }
}

/// Run the planned health check of `running` until it passes; an error when the process exits or the planned
/// bound (start period + retries × interval) passes first.
pub async fn healthy(
    running: &mut Running,
    check: &HealthCheck,
    program: &Program,
    env: &BTreeMap<String, String>,
) -> anyhow::Result<()> {
    let bound = Duration::from_secs(check.start_period_s + check.retries * check.interval_s);
    let deadline = Instant::now() + bound;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Some(status) = running.child.try_wait()? {
            bail!(
                "{}: exited ({status}) before its health check passed; its last lines ({}):\n{}",
                running.service.name,
                running.log.display(),
                tail(&running.log)
            );
        }
        match check_once(running, check, program, env).await? {
            None => {
                running.health = format!("healthy ({})", check.command.join(" "));
                return Ok(());
            }
            Some(why) => last = why,
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    bail!(
        "{}: its health check `{}` did not pass within {} s (start period + retries × interval): {last}",
        running.service.name,
        check.command.join(" "),
        bound.as_secs()
    )
}

/// Send `signal` to the process group of `pid`; whether any process received it.
pub async fn signal_group(signal: &str, pid: u32) -> bool {
    let group = format!("-{pid}");
    Command::new("kill")
        .args([signal, "--", &group])
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// Wait until none of `groups` has a process left, at most until `deadline`; the groups still alive.
pub async fn until_gone(groups: &[u32], deadline: Instant) -> Vec<u32> {
    loop {
        let mut alive = Vec::new();
        for pid in groups {
            if signal_group("-0", *pid).await {
                alive.push(*pid);
            }
        }
        if alive.is_empty() || Instant::now() >= deadline {
            return alive;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// SIGTERM every process group of `groups` (whose leaders something else reaps), give them `grace` to finish,
/// then SIGKILL what is left.
pub async fn stop_groups(groups: &[u32], grace: Duration) {
    for pid in groups {
        signal_group("-TERM", *pid).await;
    }
    for pid in until_gone(groups, Instant::now() + grace).await {
        signal_group("-KILL", pid).await;
    }
}

/// Ask every process group to stop (SIGTERM, as ECS stops a container), give them ECS's default 30 s to
/// finish, then SIGKILL what is left.
pub async fn stop(running: &mut [Running]) {
    let groups: Vec<u32> = running.iter().filter_map(|r| r.child.id()).collect();
    for pid in &groups {
        signal_group("-TERM", *pid).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for r in running.iter_mut() {
        if tokio::time::timeout_at(deadline.into(), r.child.wait())
            .await
            .is_err()
        {
            let _ = r.child.kill().await;
        }
    }
    for pid in until_gone(&groups, deadline).await {
        signal_group("-KILL", pid).await;
    }
    until_gone(&groups, Instant::now() + Duration::from_secs(5)).await;
}
