//! `tradai deploy` and `tradai infra status`: the Pulumi CLI run per layer, in dependency order
//! (persistent → foundation → compute → edge), on the stacks `<layer>-<env>` of project `tradai`.

use std::process::{Command, ExitCode};

use anyhow::{bail, Context as _};
use serde_json::Value;
use tradai_config::Layer;

use crate::args::{environment, DeployArgs, StatusArgs};

/// The layers in deployment order.
const ORDER: [Layer; 4] = [
    Layer::Persistent,
    Layer::Foundation,
    Layer::Compute,
    Layer::Edge,
];

/// The layers named by `--stacks`, in deployment order (all when none is named).
pub fn layers(names: &[String]) -> anyhow::Result<Vec<Layer>> {
    let mut wanted = Vec::new();
    for name in names {
        let layer = ORDER
            .iter()
            .find(|l| l.to_string() == name.trim())
            .copied()
            .with_context(|| {
                format!("--stacks {name}: expected persistent, foundation, compute or edge")
            })?;
        wanted.push(layer);
    }
    Ok(ORDER
        .into_iter()
        .filter(|l| wanted.is_empty() || wanted.contains(l))
        .collect())
}

/// Run `pulumi args…`; whether it succeeded (its output goes to the terminal), or a clear error when the CLI is
/// not there.
fn pulumi(binary: &str, args: &[&str]) -> anyhow::Result<bool> {
    match Command::new(binary).args(args).status() {
        Ok(status) => Ok(status.success()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "the Pulumi CLI ('{binary}') is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) \
             or point TRADAI_PULUMI at it"
        ),
        Err(e) => Err(e).with_context(|| format!("running {binary}")),
    }
}

/// `tradai deploy`.
pub fn deploy(args: DeployArgs) -> anyhow::Result<ExitCode> {
    let env = environment("--env", &args.env)?;
    let layers = layers(&args.stacks)?;
    let verb = if args.preview { "preview" } else { "up" };
    for layer in layers {
        let stack = format!("{layer}-{env}");
        if args.preview {
            // A first deploy: a layer whose upstream is not deployed yet cannot be previewed (its program reads
            // the upstream's exports); it is previewed again once that layer is applied.
            let upstream = ORDER.iter().take_while(|l| **l != layer).last();
            if let Some(upstream) = upstream {
                let upstream_stack = format!("{upstream}-{env}");
                if outputs(&args.pulumi, &upstream_stack)?.is_err() {
                    println!(
                        "== {stack}: skipped, {upstream_stack} is not deployed yet (its preview follows once it is)"
                    );
                    continue;
                }
            }
        }
        if !pulumi(&args.pulumi, &["stack", "select", &stack, "--create"])? {
            bail!("{layer}: `pulumi stack select {stack}` failed; nothing after it was deployed");
        }
        if args.skip_unchanged
            && !args.preview
            && pulumi(
                &args.pulumi,
                &[
                    "preview",
                    "--stack",
                    &stack,
                    "--expect-no-changes",
                    "--non-interactive",
                ],
            )?
        {
            println!("== {stack}: up to date, skipped");
            continue;
        }
        println!("== {stack}: pulumi {verb}");
        let ok = if args.preview {
            pulumi(
                &args.pulumi,
                &["preview", "--stack", &stack, "--non-interactive", "--diff"],
            )?
        } else {
            pulumi(
                &args.pulumi,
                &[
                    "up",
                    "--stack",
                    &stack,
                    "--yes",
                    "--non-interactive",
                    "--skip-preview",
                ],
            )?
        };
        if !ok {
            bail!(
                "{layer}: `pulumi {verb}` of {stack} failed; the layers after it were not touched"
            );
        }
    }
    println!(
        "{} of {env}: done",
        if args.preview { "preview" } else { "deploy" }
    );
    Ok(ExitCode::SUCCESS)
}

/// A stack's outputs (`pulumi stack output --json`), or why there are none (not deployed).
fn outputs(
    binary: &str,
    stack: &str,
) -> anyhow::Result<Result<serde_json::Map<String, Value>, String>> {
    let output = match Command::new(binary)
        .args(["stack", "output", "--json", "--stack", stack])
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "the Pulumi CLI ('{binary}') is not installed or not on PATH: install it (https://www.pulumi.com/docs/install/) \
             or point TRADAI_PULUMI at it"
        ),
        Err(e) => return Err(e).context("running pulumi"),
    };
    let outputs: Option<Value> = output
        .status
        .success()
        .then(|| serde_json::from_slice(&output.stdout).ok())
        .flatten();
    Ok(match outputs {
        Some(Value::Object(map)) if !map.is_empty() => Ok(map),
        _ => Err(String::from_utf8_lossy(&output.stderr).trim().to_owned()),
    })
}

/// `tradai infra status`: each layer's outputs, or that it is not deployed.
pub fn status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let env = environment("--env", &args.env)?;
    let mut missing = 0;
    for layer in ORDER {
        let stack = format!("{layer}-{env}");
        match outputs(&args.pulumi, &stack)? {
            Ok(map) => {
                println!("{stack}: {} outputs", map.len());
                for (key, value) in &map {
                    let text = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    let short: String = text.chars().take(100).collect();
                    println!("  {key:<36} {short}");
                }
            }
            Err(reason) => {
                missing += 1;
                println!("{stack}: not deployed ({reason})");
            }
        }
    }
    Ok(if missing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
