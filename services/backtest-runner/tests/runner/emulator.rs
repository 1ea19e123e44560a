use tradai_backtest::Settings;
use tradai_backtest_runner::Runner;
use tradai_domain::JobStatus;
use tradai_test_support::{emulator, mlflow};

use super::{job, seed};

/// The AWS path: the job row in DynamoDB, strategy, candles and result in S3, the run in a real MLflow.
#[tokio::test]
async fn runs_a_job_on_the_emulator_and_logs_it_to_mlflow() {
    let (config, clients, _provisioned) = emulator::provisioned().await;
    let settings = tradai_platform::AwsSettings {
        mlflow_uri: Some(mlflow::tracking_uri().to_owned()),
        ..Default::default()
    };
    let ports = tradai_platform::Ports::aws(&config, &clients, &settings).expect("ports");
    let (configs, results, registry) = (
        ports.configs.clone(),
        ports.results.clone(),
        ports.registry.clone(),
    );
    seed(configs.as_ref(), ports.market.as_ref()).await;
    let runner = Runner::from_ports(&ports, true, Settings::default());
    let mut job = job("sma-crossover");
    job.config.experiment_name = Some(format!("backtest-{}", tradai_test_support::unique_prefix()));
    runner.jobs.create(&job).await.expect("create");
    let outcome = runner.run(&job.job_id).await.expect("runs");
    assert_eq!(outcome.status, JobStatus::Completed, "{:?}", outcome.error);
    let result: serde_json::Value = serde_json::from_slice(
        &results
            .get(&outcome.result_key.expect("key"))
            .await
            .expect("result.json")
            .body,
    )
    .expect("json");
    let row = runner
        .jobs
        .get(&job.job_id)
        .await
        .expect("get")
        .expect("row");
    let run_id = row.mlflow_run_id.expect("run id");
    let models = registry.register(tradai_domain::ports::NewVersion {
        model_name: format!("{}-sma", tradai_test_support::unique_prefix()),
        source: format!("runs:/{run_id}/model"),
        run_id: Some(run_id),
        tags: Default::default(),
    });
    let version = models
        .await
        .expect("the logged run can back a model version");
    assert_eq!(
        version.metrics["profit_total"],
        result["metrics"]["profit_total"].as_f64().expect("profit")
    );
}
