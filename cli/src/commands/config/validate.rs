//! `tradai config validate [--env ENV]`.

use std::process::ExitCode;

use tradai_config::{Config, ConfigDir, ConfigError, Environment, Loader};

use crate::args::{environment, ValidateArgs};

pub fn run(args: ValidateArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let envs = match &args.env {
        Some(env) => vec![environment("--env", env)?],
        None => Environment::ALL.to_vec(),
    };
    Ok(validate_all(&envs, dir))
}

/// Validate each environment, print a summary line or its problems, and exit 1 if any failed.
fn validate_all(envs: &[Environment], dir: ConfigDir) -> ExitCode {
    let loader = Loader::new(dir);
    let mut failed = false;
    for env in envs {
        match loader.load(*env) {
            Ok(config) => println!("{env}: valid ({})", summary(&config)),
            Err(ConfigError::Invalid(problems)) => {
                failed = true;
                eprintln!("{env}: {problems}");
            }
            Err(err) => {
                failed = true;
                eprintln!("{env}: {err}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn summary(config: &Config) -> String {
    let s = config.settings();
    format!(
        "{} services, {} tables, {} buckets, {} queues, {} topics, {} lambdas, {} workflows, {} ECR repositories",
        s.services.len(),
        s.tables.len(),
        s.buckets.len(),
        s.queues.len(),
        s.topics.len(),
        s.lambdas.len(),
        s.workflows.len(),
        config.ecr_repositories().len()
    )
}
