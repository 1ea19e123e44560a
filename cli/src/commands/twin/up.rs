//! `tradai twin up`: the planned graph, running. Its data plane is created on the emulator (moto, started here
//! when no `--aws-endpoint` is given), each always-on ECS service runs as a process of its image's binary with
//! its task definition's command, environment and secrets on a loopback address of its own, and the Cloud Map
//! names resolve through a zone of the planned records (decision W42). Each planned function runs behind a
//! loopback Lambda Runtime API, the planned SQS event source mappings feed them, and the planned state
//! machines' executions run in the local interpreter over those processes (W43). It runs until Ctrl-C or
//! SIGTERM.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context as _};
use tradai_config::{Config, ConfigDir};

use super::cognito::{CLIENT, POOL};
use super::plane::{Catalog, Plane};
use super::processes::{self, Context, Running};
use super::services;
use crate::args::TwinUpArgs;

/// The `TRADAI_…__…` overrides refuse a twin: the stacks would be planned with them, the services would not
/// read them.
fn no_overrides() -> anyhow::Result<()> {
    let overrides = tradai_config::overriding_variables();
    if overrides.is_empty() {
        return Ok(());
    }
    bail!(
        "{} set: the stacks would be planned with them, but the deployed services read the config built into \
         them, so the twin would not be what deploys. Unset them, or change the config files",
        overrides.join(", ")
    )
}

/// Run the twin until a signal, or until a service stops.
pub async fn up(config: &Config, dir: &ConfigDir, args: &TwinUpArgs) -> anyhow::Result<ExitCode> {
    no_overrides()?;
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
    let region = config.settings().aws.region.clone();
    let endpoint = tradai_aws::Endpoint::Emulator {
        region: region.clone(),
        url: url.clone(),
    };
    let clients = tradai_aws::Clients::connect(&endpoint).await;
    let (graph, created) = super::plan_and_provision(config, dir, &clients).await?;
    let catalog = Catalog::new(config)?;
    let (started, skipped) = services::assign(&graph, &catalog)?;
    let addresses: Vec<_> = started.iter().map(|(s, _, ip)| (s.clone(), *ip)).collect();
    let zone = services::zone(&addresses)?
        .serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("serving the Cloud Map zone")?;
    let logs = args.logs.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "tradai-twin-{}-{}",
            config.env(),
            std::process::id()
        ))
    });
    let exchange =
        tradai_market::replay::ReplayServer::start(tradai_market::Recording::bundled()?).await;
    let m2m_secret = super::operator::m2m_secret(config, &clients, &graph, &created.ids).await?;
    let pools: Vec<String> = graph
        .of_type(POOL)
        .filter_map(|r| created.ids.get(&r.planned_id()).cloned())
        .collect();
    let token_url = match super::oauth::moto_key(&super::emulator::venv()) {
        Ok(key) => Some(super::oauth::start(clients.clone(), pools, region.clone(), key).await?),
        Err(e) => {
            eprintln!("no token endpoint for the M2M client (data-collection-proxy cannot sign in): {e:#}");
            None
        }
    };
    let enforce = args.iam == crate::args::IamMode::Enforce;
    let gate = Arc::new(super::iam::Gate::new(&graph, &created.ids, &region, enforce));
    let (front_url, front) = super::front::start(gate, &url).await?;
    let cx = Context {
        endpoint: front_url.clone(),
        zone,
        logs: logs.clone(),
        binance: exchange.url().to_owned(),
        token_url,
    };
    let plane = Arc::new(Plane {
        graph,
        ids: created.ids.clone(),
        catalog,
        region,
        clients,
        cx,
    });
    front.attach(plane.clone());

    let mut running: Vec<Running> = Vec::new();
    let result = tokio::select! {
        r = compute(&plane, &front, &started, &mut running) => r,
        _ = stopped.changed() => Err(anyhow!("stopped while the services started")),
    };
    let (lambdas, triggers, workflows, control) = match result {
        Ok(parts) => parts,
        Err(e) => {
            processes::stop(&mut running).await;
            return Err(e);
        }
    };

    let targets = running
        .iter()
        .flat_map(|r| r.service.target_groups.iter().map(|tg| (tg.clone(), r.address)))
        .collect();
    let gateway = match super::gateway::start(&plane, targets).await {
        Ok(url) => url,
        Err(e) => {
            super::lambda::stop_all(&lambdas).await;
            processes::stop(&mut running).await;
            return Err(e);
        }
    };

    let from = if moto.is_some() {
        " (moto, started by the twin)"
    } else {
        ""
    };
    println!("twin of {} on {url}{from}", config.env());
    println!("  AWS front {front_url} (each process signs as its planned role; calls held to the planned policies)");
    let total: usize = created.counts.values().sum();
    println!(
        "  created {total} planned resources; Cloud Map zone on udp://{zone}; logs in {}",
        logs.display()
    );
    for ty in [POOL, CLIENT] {
        for r in plane.graph.of_type(ty) {
            let id = plane.ids.get(&r.planned_id()).map_or("?", String::as_str);
            println!("  cognito {} {id}", r.name());
        }
    }
    println!("  operator step done: the M2M client's secret put into {m2m_secret}");
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
    for machine in &workflows.1 {
        println!(
            "  workflow {} ({} states, interpreted by the twin, as {})",
            machine.arn,
            machine.definition.states.len(),
            machine.integrations.role.as_deref().unwrap_or("no role")
        );
    }
    for s in &skipped {
        println!("  skipped {s}");
    }
    println!("  gateway {gateway} (the planned HTTP API: routes, JWT authorizer, listener rules)");
    println!("  control {control} (tradai twin fire <rule> --twin {control})");
    println!("ready (Ctrl-C stops the twin)");

    let code = services::wait(&mut running, stopped).await;
    for (_, task) in &triggers {
        task.abort();
    }
    workflows.0.abort();
    front.tasks.stop_running().await;
    super::lambda::stop_all(&lambdas).await;
    processes::stop(&mut running).await;
    drop(moto);
    drop(exchange);
    Ok(code)
}

type Workflows = (
    tokio::task::JoinHandle<()>,
    Vec<super::workflows::Machine>,
);

/// The started functions, triggers, workflows and the control endpoint's URL.
type Compute = (
    Vec<Arc<super::lambda::Lambda>>,
    super::triggers::Triggers,
    Workflows,
    String,
);

/// The compute of the plane: the services (healthy), the functions, their triggers and the workflows.
async fn compute(
    plane: &Arc<Plane>,
    front: &Arc<super::front::Front>,
    started: &[services::Assigned],
    running: &mut Vec<Running>,
) -> anyhow::Result<Compute> {
    services::start_all(plane, started, running).await?;
    let lambdas = super::lambda::start_planned(plane).await?;
    let wired = super::triggers::start(plane, &lambdas).and_then(|triggers| {
        let machines = super::workflows::machines(plane, &lambdas, &front.tasks, &front.gate)?;
        Ok((triggers, machines))
    });
    let (triggers, machines) = match wired {
        Ok(wired) => wired,
        Err(e) => {
            super::lambda::stop_all(&lambdas).await;
            return Err(e);
        }
    };
    let control = match super::control::start(plane.clone(), lambdas.clone(), front.clone()).await {
        Ok(url) => url,
        Err(e) => {
            super::lambda::stop_all(&lambdas).await;
            return Err(e);
        }
    };
    let task = tokio::spawn(super::workflows::run(
        plane.clients.sfn.clone(),
        machines.clone(),
    ));
    Ok((lambdas, triggers, (task, machines), control))
}
