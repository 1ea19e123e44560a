//! `tradai config show --env ENV [--format toml|json]`.

use std::process::ExitCode;

use anyhow::Context;
use tradai_config::{ConfigDir, Loader};

use crate::args::{environment, ShowArgs, ShowFormat};

pub fn run(args: ShowArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let env = environment("--env", &args.env)?;
    let config = Loader::new(dir).load(env)?;
    let resolved = config.resolved();
    let text = match args.format {
        ShowFormat::Toml => {
            toml::to_string(&resolved).context("while rendering the config as TOML")?
        }
        ShowFormat::Json => {
            serde_json::to_string_pretty(&resolved).context("while rendering the config as JSON")?
        }
    };
    println!("{}", text.trim_end());
    Ok(ExitCode::SUCCESS)
}
