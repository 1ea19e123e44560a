//! The backend binary's flags and every variable it reads (the list the stacks and `tradai infra check` read).

use tradai_config::{Declared, Variable};
use tradai_platform::ExecutorKind;
use tradai_service_kit::startup::{self, ServiceArgs};

/// `tradai-backend`'s command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "tradai-backend",
    about = "The TradAI backend service (backtests, config versions)"
)]
pub struct Args {
    #[command(flatten)]
    pub service: ServiceArgs,
    /// Where submitted jobs go.
    #[arg(long, value_enum, default_value_t = ExecutorKind::Sqs, env = "BACKEND_EXECUTOR")]
    pub executor: ExecutorKind,
}

/// Where strategy, promotion and model routes are forwarded.
pub const STRATEGY_SERVICE_URL: Variable = Variable::optional(
    "STRATEGY_SERVICE_URL",
    "the strategy service's http(s) URL, e.g. http://strategy-service.tradai.local:8003 (default: its Cloud Map URL)",
);

/// Every variable the binary reads.
pub fn variables() -> Vec<Declared> {
    startup::variables(
        &<Args as clap::CommandFactory>::command(),
        &[STRATEGY_SERVICE_URL],
    )
}
