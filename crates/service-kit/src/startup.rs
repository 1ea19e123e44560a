//! What every service binary does before serving: load the environment's config, pick its port, and build
//! the Cognito verifier from the variables the compute layer sets on the task.

use tradai_config::{Config, Declared, Deployed, Environment, Loader, Variable};

use crate::auth::Verifier;

pub use tradai_platform::Adapters;

/// The flags every service binary takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// dev, staging or prod.
    #[arg(long, env = "ENVIRONMENT")]
    pub env: String,
    /// Port to listen on [default: the service's port in the SERVICES table of the config].
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to listen on: every interface in a container; one loopback address per service in the
    /// deployment twin, where the Cloud Map names resolve to them.
    #[arg(long, env = "SERVICE_HOST", default_value = "0.0.0.0")]
    pub host: std::net::IpAddr,
    /// In-memory adapters, or AWS ones.
    #[arg(long, value_enum, default_value_t = Adapters::Memory, env = "SERVICE_ADAPTERS")]
    pub adapters: Adapters,
    /// Probe the running service's health route on the loopback and exit (0: healthy), instead of serving:
    /// the container health check of the distroless image.
    #[arg(long = "health-check")]
    pub health_check: bool,
}

/// The config, and the address `service` listens on; with `--health-check`, the probe's exit code instead, so
/// every service's `main` starts `let (config, address) = match startup::prepare(..)`.
pub fn prepare(
    args: &ServiceArgs,
    service: &str,
) -> Result<Result<(Config, std::net::SocketAddr), std::process::ExitCode>, StartupError> {
    let config = load_config(&args.env)?;
    let address = std::net::SocketAddr::new(args.host, port(&config, service, args.port)?);
    if !args.health_check {
        return Ok(Ok((config, address)));
    }
    let path = config
        .settings()
        .services
        .get(service)
        .and_then(|s| s.health_path.clone())
        .unwrap_or_else(|| "/api/v1/health".to_owned());
    Ok(Err(
        match crate::probe::probe(address, &path, crate::probe::PROBE_TIMEOUT) {
            Ok(_) => std::process::ExitCode::SUCCESS,
            Err(reason) => {
                eprintln!("unhealthy: {reason}");
                std::process::ExitCode::FAILURE
            }
        },
    ))
}

/// Why a service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("--env: {0}")]
    Environment(String),
    #[error("loading the {env} config: {source}")]
    Config {
        env: Environment,
        #[source]
        source: Box<tradai_config::ConfigError>,
    },
    #[error("the config has no services.{0}.port; pass --port")]
    NoPort(String),
    #[error("{0} is not set: services verify Cognito tokens and need COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS (comma-separated) and AWS_REGION")]
    Missing(&'static str),
}

/// The validated config of `env` (from the discovered config directory).
pub fn load_config(env: &str) -> Result<Config, StartupError> {
    let env: Environment = env
        .parse()
        .map_err(|e: tradai_config::UnknownEnvironment| StartupError::Environment(e.to_string()))?;
    Loader::discover()
        .load(env)
        .map_err(|source| StartupError::Config {
            env,
            source: Box::new(source),
        })
}

/// `flag`, else the port of `services.<service>` in `config`.
pub fn port(config: &Config, service: &str, flag: Option<u16>) -> Result<u16, StartupError> {
    flag.or_else(|| config.settings().services.get(service)?.port)
        .ok_or_else(|| StartupError::NoPort(service.to_owned()))
}

const AWS_REGION: Variable = Variable::required(
    "AWS_REGION",
    "the AWS region of the user pool, e.g. eu-central-1",
);
const COGNITO_USER_POOL_ID: Variable = Variable::required(
    "COGNITO_USER_POOL_ID",
    "the Cognito user pool id, e.g. eu-central-1_AbCdEf123",
);
const COGNITO_CLIENT_IDS: Variable = Variable::required(
    "COGNITO_CLIENT_IDS",
    "the app client ids whose tokens are accepted, comma-separated",
);

/// In-memory adapters suit a local run only: every deployed service runs on the AWS ones.
const SERVICE_ADAPTERS: Variable = Variable::optional(
    "SERVICE_ADAPTERS",
    "memory or aws (the ports a service runs on)",
)
.with_default("memory")
.deployed(Deployed::Exactly("aws"));

/// The variables every service reads to verify Cognito tokens (the compute layer sets them on the task).
pub const COGNITO_VARIABLES: [Variable; 3] = [AWS_REGION, COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS];

fn variable(v: &Variable) -> Result<String, StartupError> {
    v.read(&tradai_platform::settings::process_env)
        .ok_or(StartupError::Missing(v.name))
}

/// Every variable a service binary reads: its command line's (`command`), Cognito's, the AWS adapters' and
/// `extra` (which replaces a declaration of the same name, e.g. to require an optional one).
pub fn variables(command: &clap::Command, extra: &[Variable]) -> Vec<Declared> {
    use tradai_platform::settings::{clap_variables, declared, overriding};
    let mut all = clap_variables(command);
    all.extend(declared(&COGNITO_VARIABLES));
    all.extend(declared(&tradai_platform::AwsSettings::VARIABLES));
    let extra: Vec<Variable> = std::iter::once(SERVICE_ADAPTERS)
        .chain(extra.iter().copied())
        .collect();
    overriding(all, &extra)
}

/// The region (`AWS_REGION`) and a verifier for the pool `COGNITO_USER_POOL_ID` and its clients
/// `COGNITO_CLIENT_IDS`, granting the roles of `config`.
pub fn cognito_from_env(config: &Config) -> Result<(String, Verifier), StartupError> {
    let roles = crate::auth::Roles::of(&config.settings().cognito);
    let region = variable(&AWS_REGION)?;
    let pool = variable(&COGNITO_USER_POOL_ID)?;
    let clients = variable(&COGNITO_CLIENT_IDS)?
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    // On an emulator (`AWS_ENDPOINT_URL`, as every SDK client reads it) the pool's keys are served there.
    let verifier = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(endpoint) if !endpoint.is_empty() => {
            Verifier::cognito_emulated(&region, &pool, clients, &endpoint, roles)
        }
        _ => Verifier::cognito(&region, &pool, clients, roles),
    };
    Ok((region, verifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_comes_from_the_flag_or_the_services_table() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        assert_eq!(port(&config, "backend-api", None).expect("port"), 8000);
        assert_eq!(
            port(&config, "backend-api", Some(9000)).expect("port"),
            9000
        );
        let error = port(&config, "strategy-container", None).expect_err("no port");
        assert_eq!(
            error.to_string(),
            "the config has no services.strategy-container.port; pass --port"
        );
        assert!(load_config("qa")
            .expect_err("unknown")
            .to_string()
            .starts_with("--env: "));
    }
}
