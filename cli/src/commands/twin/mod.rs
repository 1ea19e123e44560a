//! `tradai twin provision --env ENV --aws-endpoint URL`: the deployment twin's data plane. The real stack
//! programs are planned on the mock engine (all four layers, as `tradai infra plan` does) and the graph's
//! buckets, tables, queues, topics, secrets, log groups, state machines and Cognito are created on the emulator
//! with their planned inputs (decision W40). `tradai twin up` then runs the planned services (W42). Needs the
//! CLI's `aws` feature.

/// Modules that need the AWS SDK (the CLI's `aws` feature).
macro_rules! with_aws {
    ($($module:ident),* $(,)?) => {
        $(#[cfg(feature = "aws")] mod $module;)*
    };
}

with_aws!(
    alarms, calls, cognito, compute, control, emulator, front, functions, gateway, graph, iam,
    lambda, oauth, network, objects, operator, plane, processes, provision, relay, services, tasks,
    triggers, up, workflows,
);
mod fire;

use std::process::ExitCode;

use tradai_config::ConfigDir;

use crate::args::TwinCommand;

/// Run one `twin` subcommand.
#[cfg(feature = "aws")]
pub fn run(command: TwinCommand, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    use tradai_config::Loader;

    match command {
        TwinCommand::Provision(args) => {
            let env = crate::args::environment("--env", &args.env)?;
            let config = Loader::new(dir.clone()).load(env)?;
            let url = &args.aws_endpoint;
            let runtime = super::infra::runtime()?;
            let created = runtime.block_on(async {
                let endpoint = tradai_aws::Endpoint::Emulator {
                    region: config.settings().aws.region.clone(),
                    url: url.clone(),
                };
                let clients = tradai_aws::Clients::connect(&endpoint).await;
                provision_planned(&config, &dir, &clients).await
            })?;
            println!("created on {url} ({} environment):", config.env());
            for (ty, count) in &created.counts {
                println!("  {count:>3} {ty}");
            }
            Ok(ExitCode::SUCCESS)
        }
        TwinCommand::Up(args) => {
            let env = crate::args::environment("--env", &args.env)?;
            let config = Loader::new(dir.clone()).load(env)?;
            super::infra::runtime()?.block_on(up::up(&config, &dir, &args))
        }
        TwinCommand::Fire(args) => fire::fire(&args),
    }
}

/// Plan all four layers of `config` with the real stack programs and create the graph's data plane through
/// `clients` (`twin provision`, and `local up --aws-endpoint`).
#[cfg(feature = "aws")]
pub(crate) async fn provision_planned(
    config: &tradai_config::Config,
    dir: &ConfigDir,
    clients: &tradai_aws::Clients,
) -> anyhow::Result<provision::Created> {
    Ok(plan_and_provision(config, dir, clients).await?.1)
}

/// [`provision_planned`], keeping the graph.
#[cfg(feature = "aws")]
async fn plan_and_provision(
    config: &tradai_config::Config,
    dir: &ConfigDir,
    clients: &tradai_aws::Clients,
) -> anyhow::Result<(graph::Graph, provision::Created)> {
    let program = super::infra::program()?;
    let planned =
        tradai_stack_testing::plan(&program, config, &tradai_config::Layer::ALL, dir.dir()).await?;
    let graph = graph::Graph::new(planned);
    let created = provision::provision(clients, &graph, &config.settings().aws.region).await?;
    Ok((graph, created))
}

/// Without the AWS SDK the twin cannot create anything: say how to build it.
#[cfg(not(feature = "aws"))]
pub fn run(command: TwinCommand, _dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let what = match command {
        TwinCommand::Provision(_) => "provision",
        TwinCommand::Up(_) => "up",
        TwinCommand::Fire(args) => return fire::fire(&args),
    };
    anyhow::bail!(
        "twin {what}: this tradai is built without the AWS SDK; build it with the aws feature: \
         cargo run -p tradai-cli --features aws -- twin {what}"
    )
}
