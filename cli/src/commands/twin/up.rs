//! `tradai twin up`: the planned graph, running. Its data plane is created on the emulator (moto, started here
//! when no `--aws-endpoint` is given), each always-on ECS service runs as a process of its image's binary with
//! its task definition's command, environment and secrets on a loopback address of its own, and the Cloud Map
//! names resolve through a zone of the planned records (decision W42). Each planned function runs behind a
//! loopback Lambda Runtime API, and the planned SQS event source mappings feed them (W43). It runs until
//! Ctrl-C or SIGTERM.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _};
use rand::Rng as _;
use tradai_config::{Config, ConfigDir};
use tradai_discovery::zone::Zone;

use super::cognito::{Ids, POOL};
use super::compute::{self, Service};
use super::functions;
use super::lambda::Lambda;
use super::processes::{self, Context, Program, Running};
use crate::args::TwinUpArgs;

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
    match std::env::var_os("TRADAI_MLFLOW_VENV") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/tradai/mlflow-venv"),
    }
}

/// The value of a task secret's `valueFrom` (`arn:…:secret:<name>[:<json-key>:<stage>:<version>]`).
async fn secret(
    clients: &tradai_aws::Clients,
    variable: &str,
    value_from: &str,
) -> anyhow::Result<String> {
    let parts: Vec<&str> = value_from.split(':').collect();
    if parts.len() < 7 || parts[0] != "arn" || parts[5] != "secret" {
        bail!("secret {variable}: valueFrom {value_from:?} is not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>::])");
    }
    let id = parts[..7].join(":");
    let value = tradai_aws::secret_string(clients, &id)
        .await
        .map_err(|e| anyhow!("secret {variable} ({id}): {e}"))?;
    match parts.get(7).filter(|k| !k.is_empty()) {
        None => Ok(value),
        Some(key) => {
            let json: serde_json::Value = serde_json::from_str(&value).with_context(|| {
                format!("secret {variable} ({id}): the value is not JSON, so it has no key {key}")
            })?;
            json[*key].as_str().map(str::to_owned).ok_or_else(|| {
                anyhow!("secret {variable} ({id}): the value has no string key {key}")
            })
        }
    }
}

/// The zone of the planned records: each registered service at its loopback address (an SRV record whose
/// target has the A record, or an A record, as planned).
fn zone(started: &[(Service, Ipv4Addr)]) -> anyhow::Result<Zone> {
    let mut zone = Zone::new();
    for (i, (service, ip)) in started.iter().enumerate() {
        let Some(r) = &service.registration else {
            continue;
        };
        for record in &r.records {
            match record.as_str() {
                "SRV" => {
                    let target = format!("twin-task-{i}.{}", r.name);
                    zone.service(&r.name, &target, r.port)?
                        .address(&target, *ip)?;
                }
                "A" => {
                    zone.address(&r.name, *ip)?;
                }
                other => bail!(
                    "{}: Cloud Map record type {other} is not one the twin serves (SRV, A)",
                    r.name
                ),
            }
        }
    }
    Ok(zone)
}

/// Run the twin until a signal, or until a service stops.
pub async fn up(config: &Config, dir: &ConfigDir, args: &TwinUpArgs) -> anyhow::Result<ExitCode> {
    let overrides = tradai_config::overriding_variables();
    if !overrides.is_empty() {
        bail!(
            "{} set: the stacks would be planned with them, but the deployed services read the config built into \
             them, so the twin would not be what deploys. Unset them, or change the config files",
            overrides.join(", ")
        );
    }
    // Signals are caught from here on, so a stop while the services start still stops them.
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        tradai_service_kit::shutdown_signal().await;
        let _ = stop.send(true);
    });
    tokio::task::yield_now().await;
    let moto = match &args.aws_endpoint {
        Some(_) => None,
        None => Some(super::emulator::start()?),
    };
    let url = args
        .aws_endpoint
        .clone()
        .or(moto.as_ref().map(|m| m.url.clone()))
        .unwrap_or_default();
    let endpoint = tradai_aws::Endpoint::Emulator {
        region: config.settings().aws.region.clone(),
        url: url.clone(),
    };
    let clients = tradai_aws::Clients::connect(&endpoint).await;
    let (graph, created) = super::plan_and_provision(config, dir, &clients).await?;

    let binaries = binaries()?;
    let images: BTreeMap<String, tradai_config::images::Image> =
        tradai_config::images::plan(config)
            .into_iter()
            .map(|i| (i.repository.clone(), i))
            .collect();
    let mlflow = mlflow_venv();
    // One loopback address per service, in a /24 of its own per twin (Linux routes all of 127/8 to lo).
    let mut rng = rand::thread_rng();
    let base = (rng.gen_range(16..250_u8), rng.gen_range(1..250_u8));
    let mut started = Vec::new();
    let mut skipped = Vec::new();
    for service in compute::services(&graph)?
        .into_iter()
        .filter(|s| s.desired > 0)
    {
        let image = images.get(&service.repository);
        let program = match (
            image.and_then(|i| i.binary.as_ref()),
            image.map(|i| i.target.as_str()),
        ) {
            (Some(binary), _) => Program::Binary(binaries.join(binary)),
            (None, Some("mlflow")) => Program::Mlflow(mlflow.join("bin/mlflow")),
            _ => {
                skipped.push(format!(
                    "{}: its image ({}) is neither a binary of this workspace nor MLflow; the twin does not run it",
                    service.name, service.repository
                ));
                continue;
            }
        };
        let ip = Ipv4Addr::new(127, base.0, base.1, started.len() as u8 + 1);
        started.push((service, program, ip));
    }
    let addresses: Vec<(Service, Ipv4Addr)> =
        started.iter().map(|(s, _, ip)| (s.clone(), *ip)).collect();
    let zone = zone(&addresses)?
        .serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("serving the Cloud Map zone")?;
    let logs = match &args.logs {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!(
            "tradai-twin-{}-{}",
            config.env(),
            std::process::id()
        )),
    };
    let cx = Context {
        endpoint: url.clone(),
        zone,
        logs: logs.clone(),
    };

    let mut running: Vec<Running> = Vec::new();
    let result = tokio::select! {
        r = start_all(&clients, &created.ids, &started, &cx, &mut running) => r,
        _ = stopped.changed() => Err(anyhow!("stopped while the services started")),
    };
    if let Err(e) = result {
        processes::stop(&mut running).await;
        return Err(e);
    }

    let region = config.settings().aws.region.clone();
    let (lambdas, triggers) = match functions_up(
        &graph,
        &images,
        &binaries,
        &region,
        &created.ids,
        &cx,
        &clients,
    )
    .await
    {
        Ok(started) => started,
        Err(e) => {
            processes::stop(&mut running).await;
            return Err(e);
        }
    };

    println!(
        "twin of {} on {url}{}",
        config.env(),
        if moto.is_some() {
            " (moto, started by the twin)"
        } else {
            ""
        }
    );
    let total: usize = created.counts.values().sum();
    println!(
        "  created {total} planned resources; Cloud Map zone on udp://{zone}; logs in {}",
        logs.display()
    );
    for ty in [POOL, "aws:cognito/userPoolClient:UserPoolClient"] {
        for r in graph.of_type(ty) {
            let id = created.ids.get(&r.planned_id()).map_or("?", String::as_str);
            println!("  cognito {} {id}", r.name());
        }
    }
    for r in &running {
        let name = r
            .service
            .registration
            .as_ref()
            .map_or("-", |g| g.name.as_str());
        let pid = r.child.id().unwrap_or_default();
        println!(
            "  service {} {name} http://{} pid={pid} {}",
            r.service.name, r.address, r.health
        );
    }
    for l in &lambdas {
        println!(
            "  function {} pid={} timeout={}s",
            l.function.name,
            l.pid(),
            l.function.timeout.as_secs()
        );
    }
    for (m, _) in &triggers {
        println!(
            "  trigger sqs {} -> {} (batch {})",
            m.queue, m.function, m.batch_size
        );
    }
    for s in &skipped {
        println!("  skipped {s}");
    }
    println!("ready (Ctrl-C stops the twin)");

    let code = wait(&mut running, stopped).await;
    for (_, task) in &triggers {
        task.abort();
    }
    super::lambda::stop_all(&lambdas).await;
    processes::stop(&mut running).await;
    drop(moto);
    Ok(code)
}

type Triggers = Vec<(functions::Mapping, tokio::task::JoinHandle<()>)>;

/// Start every planned function of an image of ours behind its Runtime API, then its enabled SQS triggers.
async fn functions_up(
    graph: &super::graph::Graph,
    images: &BTreeMap<String, tradai_config::images::Image>,
    binaries: &Path,
    region: &str,
    ids: &Ids,
    cx: &Context,
    clients: &tradai_aws::Clients,
) -> anyhow::Result<(Vec<Arc<Lambda>>, Triggers)> {
    let planned = functions::functions(graph)?;
    let mut lambdas = Vec::new();
    for f in &planned {
        let Some(binary) = images.get(&f.repository).and_then(|i| i.binary.as_ref()) else {
            bail!(
                "{}: its image ({}) is not a binary of this workspace",
                f.name,
                f.repository
            );
        };
        let binary = binaries.join(binary);
        if !binary.exists() {
            bail!(
                "{}: {} does not exist: build it with `cargo build --bin tradai-lambda`",
                f.name,
                binary.display()
            );
        }
        lambdas.push(Arc::new(Lambda::start(f, &binary, region, ids, cx).await?));
    }
    let mut triggers = Vec::new();
    for m in functions::mappings(graph, &planned)?
        .into_iter()
        .filter(|m| m.enabled)
    {
        let Some(lambda) = lambdas.iter().find(|l| l.function.name == m.function) else {
            continue;
        };
        let task = tokio::spawn(super::triggers::run(
            clients.sqs.clone(),
            m.clone(),
            lambda.clone(),
            region.to_owned(),
        ));
        triggers.push((m, task));
    }
    Ok((lambdas, triggers))
}

/// Start every service, then wait for each one's health check.
async fn start_all(
    clients: &tradai_aws::Clients,
    ids: &Ids,
    started: &[(Service, Program, Ipv4Addr)],
    cx: &Context,
    running: &mut Vec<Running>,
) -> anyhow::Result<()> {
    let mut envs = Vec::new();
    for (service, program, ip) in started {
        let path = program.path();
        match program {
            _ if path.exists() => {}
            Program::Binary(_) => bail!(
                "{}: its binary {} does not exist: build it with `cargo build --bin {}` (or set TRADAI_TWIN_BIN_DIR)",
                service.name,
                path.display(),
                path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default()
            ),
            Program::Mlflow(_) => bail!(
                "{}: {} does not exist: install MLflow with ./scripts/install-mlflow (or set TRADAI_MLFLOW_VENV)",
                service.name,
                path.display()
            ),
        }
        // MLflow's planned variables and secrets name its RDS database, which the twin replaces (W42).
        let env = match program {
            Program::Mlflow(_) => BTreeMap::new(),
            Program::Binary(_) => {
                let mut secrets = BTreeMap::new();
                for (variable, value_from) in &service.secrets {
                    secrets.insert(
                        variable.clone(),
                        secret(clients, variable, value_from).await?,
                    );
                }
                processes::environment(service, &secrets, ids, *ip, cx)
            }
        };
        running.push(processes::start(service, program, &env, *ip, cx)?);
        envs.push(env);
    }
    // As ECS starts a deployment's services together, each then meets its own health check.
    for ((r, (service, program, _)), env) in running.iter_mut().zip(started).zip(&envs) {
        if let Some(check) = &service.health {
            processes::healthy(r, check, program, env).await?;
        }
    }
    Ok(())
}

/// Until a signal (exit 0) or a service exits (exit 1, naming it).
async fn wait(
    running: &mut [Running],
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> ExitCode {
    loop {
        tokio::select! {
            _ = stopped.changed() => return ExitCode::SUCCESS,
            () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
        }
        for r in running.iter_mut() {
            if let Ok(Some(status)) = r.child.try_wait() {
                eprintln!(
                    "{} stopped ({status}); its last lines ({}):\n{}",
                    r.service.name,
                    r.log.display(),
                    processes::tail(&r.log)
                );
                return ExitCode::FAILURE;
            }
        }
    }
}
