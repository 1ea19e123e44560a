//! `tradai config validate|show|diff|promote`.

mod diff;
mod promote;
mod show;
mod validate;

use std::process::ExitCode;

use tradai_config::ConfigDir;

use crate::args::ConfigCommand;

/// Run one `config` subcommand.
pub fn run(command: ConfigCommand, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Validate(args) => validate::run(args, dir),
        ConfigCommand::Show(args) => show::run(args, dir),
        ConfigCommand::Diff(args) => diff::run(args, dir),
        ConfigCommand::Promote(args) => promote::run(args, dir),
    }
}
