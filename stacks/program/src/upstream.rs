//! Before a layer registers anything: the export names of each upstream stack, read with the Pulumi CLI that
//! runs this program, checked against what the layer reads ([`tradai_stack_kit::preflight`]).

use std::collections::BTreeSet;
use std::process::Command;

use anyhow::{bail, Context as _};
use tradai_config::{Config, Layer};
use tradai_stack_kit::preflight;

/// The export names of stack `reference` (`pulumi stack output --json`; secrets stay hidden, only names are
/// read).
fn export_names(reference: &str) -> anyhow::Result<BTreeSet<String>> {
    let output = Command::new("pulumi")
        .args(["stack", "output", "--json", "--stack", reference])
        .output()
        .with_context(|| {
            format!("reading the outputs of stack {reference} needs the pulumi CLI on PATH")
        })?;
    if !output.status.success() {
        bail!(
            "the outputs of stack {reference} cannot be read (deploy it first): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let exports: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).with_context(|| {
            format!("pulumi stack output --json --stack {reference} did not answer a JSON object")
        })?;
    Ok(exports.into_iter().map(|(k, _)| k).collect())
}

/// Every upstream stack of `layer` has every export `layer` reads.
pub fn check(layer: Layer, config: &Config) -> anyhow::Result<()> {
    for upstream in preflight::upstream_layers(layer) {
        let present = export_names(&config.stack_reference(*upstream))?;
        preflight::check(*upstream, config, &present)?;
    }
    Ok(())
}
