//! `tradai-backtest-runner --env ENV --job-id ID`: run one backtest job on AWS (the ECS task the backtest
//! workflow starts with `JOB_ID`; `ENVIRONMENT` gives the env). Reads the job table, the configs, market-data
//! and results buckets of the canonical config (or the emulator at `AWS_ENDPOINT_URL`), and logs the run to
//! MLflow when `MLFLOW_TRACKING_URI` is set. `RUNNER_SLIPPAGE` (default 0.0005) sets the fill slippage.
//! With `TRADING_MODE=train` it trains instead (the retraining task: `MODEL_NAME`, optional `STRATEGY`,
//! `RETRAINING_TRIGGER`, `CONFIG_VERSION_ID`, `TRAIN_PERIOD_DAYS`; see `tradai_backtest_runner::train`).
//! With `TRADING_MODE=hyperopt-plan`, `hyperopt` or `hyperopt-finalize` it runs a hyperopt sweep's task
//! (`HYPEROPT_ROUND`, `HYPEROPT_ITEM`; see `tradai_backtest_runner::hyperopt`), on every core.
//! The ports come from the composition root (`tradai-platform`) on AWS adapters. SIGTERM during a backtest
//! fails the job `Interrupted` before the process exits. Exits 0 when the job completed, 1 when it failed (so `ecs:runTask.sync` sees the failure).

use clap::Parser;
use std::process::ExitCode;
use tradai_backtest::Settings;
use tradai_backtest_runner::settings::Args;
use tradai_backtest_runner::Runner;
use tradai_domain::JobStatus;
use tradai_platform::{Adapters, AwsSettings, Platform};

/// An empty variable counts as unset (the workflow passes `""` for what it does not know).
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tradai_service_kit::init_logging();
    let args = Args::parse();
    let config = tradai_service_kit::startup::load_config(&args.env)?;
    let settings = AwsSettings::from_env()?;
    let platform = Platform::start(&config, Adapters::Aws).await?;
    // Runs are logged only to a real MLflow server.
    let runner = Runner::from_ports(
        &platform.ports,
        settings.mlflow_uri.is_some(),
        Settings {
            slippage: args.slippage,
            starting_balance: None,
        },
    );
    if args.mode.starts_with("hyperopt") {
        return Ok(hyperopt(&runner, &args).await);
    }
    if args.mode == "train" {
        let request = tradai_backtest_runner::train::TrainRequest {
            job_id: args.job_id.clone(),
            model_name: args.model_name.clone().unwrap_or_default(),
            strategy: given(args.strategy),
            trigger: given(args.trigger),
            config_version_id: given(args.config_version_id),
        };
        let settings = tradai_backtest_runner::train::TrainSettings {
            period_days: args.train_period_days,
            ..Default::default()
        };
        return Ok(match runner.train(&request, &settings).await {
            Ok(trained) => {
                tracing::info!(job_id = %args.job_id, model = %request.model_name, version = %trained.version.version, run_id = %trained.run_id, "training finished");
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(job_id = %args.job_id, error = %error.error, cause = %error.cause, "training failed");
                ExitCode::FAILURE
            }
        });
    }
    let outcome = runner
        .run_until(&args.job_id, tradai_service_kit::shutdown_signal())
        .await?;
    tracing::info!(job_id = %outcome.job_id, status = %outcome.status, result = ?outcome.result_key, error = ?outcome.error, "backtest finished");
    Ok(if outcome.status == JobStatus::Completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A hyperopt sweep's task: plan a round, run an item on every core, or finalise.
async fn hyperopt(runner: &Runner, args: &Args) -> ExitCode {
    let job = args.job_id.as_str();
    let outcome = match args.mode.as_str() {
        "hyperopt-plan" => runner
            .hyperopt_plan(job, args.round)
            .await
            .map(|items| format!("round {} planned: {items} items", args.round)),
        "hyperopt" => {
            let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
            // ECS stops a task with SIGTERM: the trials that finished are stored, the rest left out.
            let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = cancel.clone();
            tokio::spawn(async move {
                tradai_service_kit::shutdown_signal().await;
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            runner
                .hyperopt_item(job, args.round, args.item, workers, cancel)
                .await
                .map(|trials| {
                    format!(
                        "round {} item {}: {} trials",
                        args.round,
                        args.item,
                        trials.len()
                    )
                })
        }
        _ => runner.hyperopt_finalize(job).await.map(|s| {
            format!(
                "{} trials, best {:?}",
                s.trials.len(),
                s.best.map(|b| b.number)
            )
        }),
    };
    match outcome {
        Ok(done) => {
            tracing::info!(job_id = %job, mode = %args.mode, %done, "hyperopt task finished");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(job_id = %job, mode = %args.mode, error = %error.error, cause = %error.cause, "hyperopt task failed");
            ExitCode::FAILURE
        }
    }
}
