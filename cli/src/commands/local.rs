//! `tradai local up`.

use std::process::ExitCode;

use tradai_config::{ConfigDir, Environment};

use crate::args::LocalCommand;

/// Start the local platform. The services do not exist yet, so for now this validates the canonical config of
/// every environment and says so plainly.
pub fn run(command: LocalCommand, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    match command {
        LocalCommand::Up => {
            println!("tradai local up: the services (backend, strategy, data-collection) are not built yet;");
            println!("until they are, this validates the canonical config of every environment.");
            Ok(super::config::validate_all(&Environment::ALL, dir))
        }
    }
}
