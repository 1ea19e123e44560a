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
    /// `backtest`; `train` for a retraining run; `hyperopt-plan`, `hyperopt` or `hyperopt-finalize` for a
    /// hyperopt sweep's tasks (the job id is the sweep's; `tradai_backtest_runner::hyperopt`).
    #[arg(long, env = "TRADING_MODE", default_value = "backtest",
          value_parser = ["backtest", "train", "hyperopt-plan", "hyperopt", "hyperopt-finalize"])]
    pub mode: String,
    /// The sweep's round a hyperopt task plans or runs an item of.
    #[arg(long, env = "HYPEROPT_ROUND", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub round: u32,
    /// The Map item a `hyperopt` task runs.
    #[arg(long, env = "HYPEROPT_ITEM", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub item: u32,
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

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Args;

    #[test]
    fn a_hyperopt_task_takes_its_round_and_item_and_bad_values_are_refused() {
        let args = Args::try_parse_from([
            "runner", "--env", "dev", "--job-id", "j", "--mode", "hyperopt", "--round", "3",
            "--item", "7",
        ])
        .expect("parses");
        assert_eq!(
            (args.mode.as_str(), args.round, args.item),
            ("hyperopt", 3, 7)
        );
        let err =
            Args::try_parse_from(["runner", "--env", "dev", "--job-id", "j", "--mode", "sweep"])
                .expect_err("unknown mode");
        assert!(err.to_string().contains("hyperopt-plan"), "{err}");
        let err =
            Args::try_parse_from(["runner", "--env", "dev", "--job-id", "j", "--round=100001"])
                .expect_err("round out of range");
        assert!(err.to_string().contains("--round"), "{err}");
    }
}
