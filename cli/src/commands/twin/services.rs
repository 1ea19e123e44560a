//! The planned always-on ECS services in the twin: each assigned its program and loopback address, its
//! secrets read as ECS reads them, started together, then held to its planned health check; and the Cloud Map
//! zone that names them.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use anyhow::{anyhow, bail, Context as _};
use rand::Rng as _;
use tradai_discovery::zone::Zone;

use super::compute::{self, Service};
use super::plane::{present, Plane};
use super::processes::{self, Program, Running};

/// A service with the program it runs and its loopback address.
pub type Assigned = (Service, Program, Ipv4Addr);

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
pub fn zone(started: &[(Service, Ipv4Addr)]) -> anyhow::Result<Zone> {
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

/// Start every service, then wait for each one's health check.
pub async fn start_all(
    plane: &Plane,
    started: &[Assigned],
    running: &mut Vec<Running>,
) -> anyhow::Result<()> {
    let mut envs = Vec::new();
    for (service, program, ip) in started {
        present(program, &service.name)?;
        // MLflow's planned variables and secrets name its RDS database, which the twin replaces (W42).
        let env = match program {
            Program::Mlflow(_) => BTreeMap::new(),
            Program::Binary(_) => {
                let mut secrets = BTreeMap::new();
                for (variable, value_from) in &service.secrets {
                    secrets.insert(
                        variable.clone(),
                        secret(&plane.clients, variable, value_from).await?,
                    );
                }
                processes::environment(service, &secrets, &plane.ids, *ip, &plane.cx)
            }
        };
        running.push(processes::start(service, program, &env, *ip, &plane.cx)?);
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

/// The planned always-on services (desired count above 0) with their programs and loopback addresses (one
/// per service, in a `/24` of `127/8` of this twin's own; Linux routes all of it to `lo`), and why any is not
/// run.
pub fn assign(
    graph: &super::graph::Graph,
    catalog: &super::plane::Catalog,
) -> anyhow::Result<(Vec<Assigned>, Vec<String>)> {
    let mut rng = rand::thread_rng();
    let base = (rng.gen_range(16..250_u8), rng.gen_range(1..250_u8));
    let mut started = Vec::new();
    let mut skipped = Vec::new();
    for service in compute::services(graph)?
        .into_iter()
        .filter(|s| s.desired > 0)
    {
        let Some(program) = catalog.program(&service.repository) else {
            skipped.push(format!(
                "{}: its image ({}) is neither a binary of this workspace nor MLflow; the twin does not run it",
                service.name, service.repository
            ));
            continue;
        };
        let ip = Ipv4Addr::new(127, base.0, base.1, started.len() as u8 + 1);
        started.push((service, program, ip));
    }
    Ok((started, skipped))
}

/// Until a signal (exit 0) or a service exits (exit 1, naming it).
pub async fn wait(
    running: &mut [Running],
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> std::process::ExitCode {
    loop {
        tokio::select! {
            _ = stopped.changed() => return std::process::ExitCode::SUCCESS,
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
                return std::process::ExitCode::FAILURE;
            }
        }
    }
}
