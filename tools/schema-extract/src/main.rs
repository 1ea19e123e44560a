//! `pulumi-schema-extract NPM_PACKAGE_DIR RESOURCES_FILE OUTPUT [PYTHON_PACKAGE_DIR]`: write the schema subset of the
//! resources listed in RESOURCES_FILE (one token per line, `#` comments) from the unpacked `@pulumi/aws` package,
//! with integer types refined from the unpacked `pulumi_aws` wheel of the same version when given.
//! `scripts/update-aws-schema` downloads the package and runs this.

mod decl;
mod extract;
mod integers;
mod ts_type;

use std::path::Path;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (package, resources, output, python) = match args.as_slice() {
        [package, resources, output] => (package, resources, output, None),
        [package, resources, output, python] => (package, resources, output, Some(python)),
        _ => bail!("usage: pulumi-schema-extract NPM_PACKAGE_DIR RESOURCES_FILE OUTPUT [PYTHON_PACKAGE_DIR]"),
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
    let mut schema = extract::extract(&package, version, &tokens)?;
    if let Some(python) = python {
        let integers = integers::refine_integers(&mut schema, &Path::new(python.as_str()))?;
        println!("{integers} number properties are integers per the pulumi_aws Python package");
    }
    std::fs::write(output, serde_json::to_string_pretty(&schema)? + "\n")
        .with_context(|| format!("writing {output}"))?;
    let types = schema["types"].as_object().map_or(0, serde_json::Map::len);
    println!(
        "{} resources and {types} types of pulumi-aws {version} written to {output}",
        tokens.len()
    );
    Ok(())
}
