//! The `tradai` command line: argument definitions and one module per subcommand.

mod args;
mod commands;

pub use args::{Cli, Command};

use std::process::ExitCode;

/// Run a parsed command line; `Ok` carries the exit code of a command that reports problems itself.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let dir = args::config_dir(&cli);
    match cli.command {
        Command::Config(command) => commands::config::run(command, dir),
        Command::Local(command) => commands::local::run(command, dir),
        Command::Infra(command) => commands::infra::run(command, dir),
        Command::Backtest(command) => commands::backtest::run(command),
        Command::Hyperopt(command) => commands::hyperopt::run(command),
        Command::Login(args) => commands::login::run(args, dir),
        Command::Deploy(args) => commands::pulumi::deploy(args),
        Command::Twin(command) => commands::twin::run(command, dir),
    }
}
