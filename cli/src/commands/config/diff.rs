//! `tradai config diff FROM TO [--format text|json]`.

use std::process::ExitCode;

use tradai_config::{diff, ConfigDir, Loader};

use crate::args::{environment, DiffArgs, DiffFormat};

pub fn run(args: DiffArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let from = environment("FROM", &args.from)?;
    let to = environment("TO", &args.to)?;
    let loader = Loader::new(dir).without_env_vars();
    let differences = diff(&loader.load(from)?, &loader.load(to)?);
    match args.format {
        DiffFormat::Text => println!("{differences}"),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&differences)?),
    }
    Ok(ExitCode::SUCCESS)
}
