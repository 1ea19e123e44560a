//! `tradai infra plan --env ENV [--stack LAYER] [--format table|json]`, `tradai infra check [--env ENV]`,
//! `tradai infra cost --env ENV [--prices FILE] [--format table|json]`, `tradai infra variables`, `tradai infra
//! images --env ENV`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use tradai_config::{ConfigDir, Environment, Layer, Loader};

use crate::args::{
    environment, CheckArgs, CostArgs, InfraCommand, PlanArgs, PlanFormat, VariablesArgs,
};

/// Every layer, in deployment order.
const BUILT: [Layer; 4] = Layer::ALL;

/// Run one `infra` subcommand.
pub fn run(command: InfraCommand, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    match command {
        InfraCommand::Plan(args) => plan(args, dir),
        InfraCommand::Check(args) => check(args, dir),
        InfraCommand::Cost(args) => cost(args, dir),
        InfraCommand::Status(args) => super::pulumi::status(args),
        InfraCommand::Variables(args) => variables(args, dir),
        InfraCommand::Images(args) => images(args, dir),
    }
}

/// The stack program: `TRADAI_PULUMI_PROGRAM`, else `tradai-pulumi` next to this binary.
pub(super) fn program() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("TRADAI_PULUMI_PROGRAM") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().context("locating the tradai binary")?;
    let path = exe.with_file_name(format!("tradai-pulumi{}", std::env::consts::EXE_SUFFIX));
    if path.exists() {
        Ok(path)
    } else {
        Err(anyhow!("the stack program {} does not exist: build it with `cargo build --bin tradai-pulumi`, or set TRADAI_PULUMI_PROGRAM", path.display()))
    }
}

fn plan(args: PlanArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let env = environment("--env", &args.env)?;
    let layers = match &args.stack {
        Some(stack) => {
            let layer: Layer = stack.parse().map_err(|_| anyhow!("--stack: unknown layer '{stack}': allowed values are persistent, foundation, compute, edge"))?;
            vec![layer]
        }
        None => BUILT.to_vec(),
    };
    let config = Loader::new(dir.clone()).load(env)?;
    let program = program()?;
    let runtime = runtime()?;
    let planned = runtime.block_on(tradai_stack_testing::plan(
        &program,
        &config,
        &layers,
        dir.dir(),
    ))?;
    match args.format {
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&tradai_stack_testing::to_json(&planned))?
        ),
        PlanFormat::Table => {
            let width = planned.iter().map(|p| p.type_.len()).max().unwrap_or(4);
            println!("{:<16} {:<width$} NAME", "STACK", "TYPE");
            for resource in &planned {
                println!(
                    "{:<16} {:<width$} {}",
                    resource.stack, resource.type_, resource.name
                );
            }
            println!("{} resources", planned.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the mock engine's runtime")
}

fn check(args: CheckArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let envs = match &args.env {
        Some(env) => vec![environment("--env", env)?],
        None => Environment::ALL.to_vec(),
    };
    let program = program()?;
    let runtime = runtime()?;
    let schema = tradai_stack_testing::aws_schema();
    let mut failed = false;
    for env in envs {
        let config = Loader::new(dir.clone()).load(env)?;
        let graph = runtime.block_on(tradai_stack_testing::plan(
            &program,
            &config,
            &BUILT,
            dir.dir(),
        ))?;
        let mut violations = tradai_stack_testing::policy::check(&graph, &schema);
        violations.extend(tradai_stack_testing::semantics::check(
            &graph,
            &super::needs::needs(&config),
        ));
        if violations.is_empty() {
            println!(
                "{env}: {} resources pass every policy and semantic check",
                graph.len()
            );
        } else {
            failed = true;
            eprintln!("{env}: {} violation(s):", violations.len());
            for v in violations {
                eprintln!(
                    "  - [{}] {} {}: {}\n    fix: {}",
                    v.rule,
                    v.stack,
                    v.resource,
                    v.detail,
                    tradai_stack_testing::policy::fix(v.rule)
                );
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn cost(args: CostArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    use tradai_stack_testing::cost::{estimate, Prices};
    let env = environment("--env", &args.env)?;
    let prices = match &args.prices {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--prices: reading {}", path.display()))?;
            Prices::parse(&text).with_context(|| format!("--prices: {}", path.display()))?
        }
        None => Prices::bundled()?,
    };
    let config = Loader::new(dir.clone()).load(env)?;
    if prices.region != config.settings().aws.region {
        return Err(anyhow!(
            "the price table is for {} but {env} deploys to {}; pass --prices with a table for that region",
            prices.region,
            config.settings().aws.region
        ));
    }
    let program = program()?;
    let graph = runtime()?.block_on(tradai_stack_testing::plan(
        &program,
        &config,
        &BUILT,
        dir.dir(),
    ))?;
    let estimate = estimate(&graph, &config, &prices)?;
    match args.format {
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&estimate)?),
        PlanFormat::Table => {
            println!("{:<14} {:<36} {:>10}  DETAIL", "AREA", "ITEM", "USD/MONTH");
            for line in &estimate.lines {
                println!(
                    "{:<14} {:<36} {:>10.2}  {}",
                    line.area, line.item, line.monthly_usd, line.detail
                );
            }
            println!("{:<14} {:<36} {:>10.2}", "total", "", estimate.total_usd);
            println!(
                "prices: {} (as of {})",
                estimate.prices_source, estimate.prices_date
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every variable each binary and each Lambda function reads, from their own declarations.
fn variables(args: VariablesArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let env = environment("--env", &args.env)?;
    let config = Loader::new(dir).load(env)?;
    let binaries = serde_json::json!({
        "tradai-backend": tradai_backend::settings::variables(),
        "tradai-strategy": tradai_strategy::settings::variables(),
        "tradai-data-collection": tradai_data_collection::settings::variables(),
        "tradai-backtest-runner": tradai_backtest_runner::settings::variables(),
    });
    let functions: serde_json::Map<String, serde_json::Value> = tradai_config::Function::ALL
        .into_iter()
        .map(|f| {
            let declared = tradai_lambdas::settings::variables(f, &config);
            Ok((f.key().to_owned(), serde_json::to_value(declared)?))
        })
        .collect::<anyhow::Result<_>>()?;
    let table = serde_json::json!({"binaries": binaries, "functions": functions});
    println!("{}", serde_json::to_string_pretty(&table)?);
    Ok(ExitCode::SUCCESS)
}

/// The images the pipeline builds, one JSON object per line.
fn images(args: VariablesArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let env = environment("--env", &args.env)?;
    let config = Loader::new(dir).load(env)?;
    let mut out = std::io::stdout().lock();
    for image in tradai_config::images::plan(&config) {
        // A reader that stops early (`| head`) is not an error.
        match writeln!(out, "{}", serde_json::to_string(&image)?) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => break,
            other => other?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
