//! `tradai`: the TradAI-rs command line.

use std::process::ExitCode;

use clap::Parser;
use tradai_cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
