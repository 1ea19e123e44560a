//! The data-collection binary's flags and every variable it reads (the list the stacks and `tradai infra check`
//! read).

use tradai_config::Declared;
use tradai_service_kit::startup::{self, ServiceArgs};

/// `tradai-data-collection`'s command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "tradai-data-collection",
    about = "The TradAI data-collection service (OHLCV sync and candles)"
)]
pub struct Args {
    #[command(flatten)]
    pub service: ServiceArgs,
}

/// Every variable the binary reads.
pub fn variables() -> Vec<Declared> {
    startup::variables(&<Args as clap::CommandFactory>::command(), &[])
}
