use std::sync::Arc;

use tradai_aws::{DynamoRecordStore, S3ObjectStore};
use tradai_backtest::Settings;
use tradai_backtest_runner::Runner;
use tradai_domain::ports::{JobRepository, ModelRegistry, ObjectStore};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::JobStatus;
use tradai_market::ParquetStore;
use tradai_mlflow::MlflowRegistry;
use tradai_test_support::{emulator, mlflow};

use super::{job, seed};

/// The AWS path: the job row in DynamoDB, strategy, candles and result in S3, the run in a real MLflow.
#[tokio::test]
async fn runs_a_job_on_the_emulator_and_logs_it_to_mlflow() {
    let (config, clients, _provisioned) = emulator::provisioned().await;
    let policy = |s: &str| Arc::new(ResiliencePolicy::aws(s));
    let bucket = |key: &str| -> Arc<dyn ObjectStore> {
        Arc::new(
            S3ObjectStore::new(clients.s3.clone(), &config, key, policy("s3")).expect("bucket"),
        )
    };
    let (configs, results) = (bucket("configs"), bucket("results"));
    let market = Arc::new(ParquetStore::new(bucket("arcticdb")));
    seed(configs.as_ref(), market.as_ref()).await;
    let registry = Arc::new(MlflowRegistry::new(mlflow::tracking_uri(), None).expect("uri"));
    let runner = Runner {
        jobs: JobRepository::new(Arc::new(
            DynamoRecordStore::new(clients.dynamodb.clone(), &config, policy("dynamodb"))
                .expect("table"),
        )),
        configs,
        market,
        results: results.clone(),
        registry: Some(registry.clone()),
        settings: Settings::default(),
    };
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
