//! `pulumi-schema-extract PACKAGE_DIR RESOURCES_FILE OUTPUT`: write the schema subset of the resources listed in
//! RESOURCES_FILE (one token per line, `#` comments) from the unpacked `@pulumi/aws` package at PACKAGE_DIR.
//! `scripts/update-aws-schema` downloads the package and runs this.

mod decl;
mod extract;
mod ts_type;

use std::path::Path;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [package, resources, output] = args.as_slice() else {
        bail!("usage: pulumi-schema-extract PACKAGE_DIR RESOURCES_FILE OUTPUT");
    };
    let package = Path::new(package);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(package.join("package.json")).context("reading package.json")?,
    )?;
    let version = manifest["version"]
        .as_str()
        .context("package.json has no version")?;
    let tokens: Vec<String> = std::fs::read_to_string(resources)
        .with_context(|| format!("reading {resources}"))?
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|line| !line.is_empty())
        .collect();
    let schema = extract::extract(&package, version, &tokens)?;
    std::fs::write(output, serde_json::to_string_pretty(&schema)? + "\n")
        .with_context(|| format!("writing {output}"))?;
    let types = schema["types"].as_object().map_or(0, serde_json::Map::len);
    println!(
        "{} resources and {types} types of pulumi-aws {version} written to {output}",
        tokens.len()
    );
    Ok(())
}
