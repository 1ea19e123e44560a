//! The strategy binary's flags and every variable it reads (the list the stacks and `tradai infra check` read).

use tradai_config::{Declared, Variable};
use tradai_service_kit::startup::{self, ServiceArgs};

/// `tradai-strategy`'s command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "tradai-strategy",
    about = "The TradAI strategy service (strategy configs and the model registry)"
)]
pub struct Args {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// What runs hyperopt sweeps [default: stepfunctions on AWS adapters, local in memory].
    #[arg(long, value_enum, env = "STRATEGY_SWEEPS")]
    pub sweeps: Option<SweepRunner>,
}

/// What runs hyperopt sweeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SweepRunner {
    /// The config's hyperopt state machine in Step Functions (its items as ECS tasks).
    Stepfunctions,
    /// The same definition interpreted in this process, its trials on every core.
    Local,
}

/// The state machine the service starts (`tradai infra check` binds its access to it).
pub const SWEEPS_WORKFLOW: &str = crate::sweeps::WORKFLOW;

/// The model registry is MLflow in the cloud: required on AWS adapters.
pub const MLFLOW_TRACKING_URI: Variable = Variable {
    required: true,
    ..tradai_platform::settings::MLFLOW_TRACKING_URI
};

/// Every variable the binary reads.
pub fn variables() -> Vec<Declared> {
    startup::variables(
        &<Args as clap::CommandFactory>::command(),
        &[MLFLOW_TRACKING_URI],
    )
}
