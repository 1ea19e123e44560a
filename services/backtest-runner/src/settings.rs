//! The runner binary's flags and every variable it reads (the list the stacks and `tradai infra check` read).

use tradai_config::{Declared, Deployed};

#[derive(Debug, clap::Parser)]
#[command(name = "tradai-backtest-runner", about = "Run one TradAI backtest job")]
pub struct Args {
    /// dev, staging or prod.
    #[arg(long, env = "ENVIRONMENT")]
    pub env: String,
    /// The job to run.
    #[arg(long, env = "JOB_ID")]
    pub job_id: String,
    /// Fill slippage as a fraction, 0 to 0.1.
    #[arg(long, env = "RUNNER_SLIPPAGE", default_value_t = 0.0005)]
    pub slippage: f64,
    /// `backtest`, or `train` for a retraining run.
    #[arg(long, env = "TRADING_MODE", default_value = "backtest", value_parser = ["backtest", "train"])]
    pub mode: String,
    /// The model to train (train mode).
    #[arg(long, env = "MODEL_NAME", required_if_eq("mode", "train"))]
    pub model_name: Option<String>,
    /// The strategy config to train from (default: the model's name).
    #[arg(long, env = "STRATEGY")]
    pub strategy: Option<String>,
    /// What started a training run (e.g. scheduled, drift, manual).
    #[arg(long, env = "RETRAINING_TRIGGER")]
    pub trigger: Option<String>,
    /// The config version a training run uses.
    #[arg(long, env = "CONFIG_VERSION_ID")]
    pub config_version_id: Option<String>,
    /// Days of history a training run uses.
    #[arg(long, env = "TRAIN_PERIOD_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub train_period_days: u32,
}

/// Every variable the binary reads: its command line's and the AWS adapters'. A deployed runner logs its runs
/// to MLflow, so a deployment sets MLFLOW_TRACKING_URI.
pub fn variables() -> Vec<Declared> {
    use tradai_platform::settings::{clap_variables, declared, overriding, MLFLOW_TRACKING_URI};
    let mut all = clap_variables(&<Args as clap::CommandFactory>::command());
    all.extend(declared(&tradai_platform::AwsSettings::VARIABLES));
    overriding(all, &[MLFLOW_TRACKING_URI.deployed(Deployed::Set)])
}
