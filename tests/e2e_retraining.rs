//! The retraining flow end to end with the local executor: the retraining definition of §11.3, its Lambda
//! tasks answered by check-retraining-needed, compare-models, promote-model and notify-completion, its ECS task
//! by the runner in training mode and UpdateRetrainingState by the retraining-state table. The branches:
//! train → compare → promote, train → compare → keep, skip (recently trained), invalid model, and a failed
//! training run. Once on in-memory adapters, once on the emulator (DynamoDB state tables, S3 configs, market
//! data and results, SNS alerts fanned out to SQS) with a real MLflow registry.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tradai_domain::entities::{RetrainingRecord, RetrainingTrigger, Timeframe, Timestamp};
use tradai_domain::ports::{JobQueue, NewRun, NewVersion, RecordKey, StoredObject};
use tradai_domain::{ModelStage, RetrainingStatus};
use tradai_local_executor::{LocalIntegrations, LocalWorkflow};
use tradai_market::{RecordedSource, Recording};
use tradai_platform::{AwsSettings, MemoryPorts, Ports};

/// The platform's ports a retraining run touches, and a queue subscribed to the alerts topic.
struct Stores {
    ports: Ports,
    alerts: Arc<dyn JobQueue>,
}

impl std::ops::Deref for Stores {
    type Target = Ports;
    fn deref(&self) -> &Ports {
        &self.ports
    }
}

impl Stores {
    fn memory(config: &tradai_config::Config) -> Self {
        let memory = MemoryPorts::new(config).expect("ports");
        let alerts: Arc<dyn JobQueue> = Arc::new(tradai_memory::MemoryQueue::new(
            "alerts",
            false,
            Duration::from_secs(30),
        ));
        memory.notifier.subscribe(alerts.clone());
        Stores {
            ports: memory.ports(),
            alerts,
        }
    }

    async fn emulator() -> (tradai_config::Config, Self) {
        let (config, clients, provisioned) = tradai_test_support::emulator::provisioned().await;
        let topic = provisioned.topic_arns["alerts"].clone();
        let url = provisioned.queue_urls["retraining"].clone();
        tradai_aws::provision::subscribe_queue(&clients, &topic, &url)
            .await
            .expect("subscribe");
        let settings = AwsSettings {
            mlflow_uri: Some(tradai_test_support::mlflow::tracking_uri().to_owned()),
            alerts_topic_arn: Some(topic),
            ..AwsSettings::default()
        };
        let policy = Arc::new(tradai_domain::resilience::ResiliencePolicy::aws("sqs"));
        let stores = Stores {
            ports: Ports::aws(&config, &clients, &settings).expect("ports"),
            alerts: Arc::new(tradai_aws::SqsQueue::new(clients.sqs.clone(), url, policy)),
        };
        (config, stores)
    }

    /// The sample strategy and 91 days of hourly BTC candles.
    async fn seed(&self) {
        let object = StoredObject {
            body: tradai_strategy::SAMPLES[0].as_bytes().to_vec(),
            content_type: "application/json".into(),
            metadata: BTreeMap::new(),
        };
        self.configs
            .put("strategies/sma-crossover.json", object)
            .await
            .expect("strategy");
        let candles = tradai_backtest::synthetic::walk(5, 91 * 24, Timeframe::H1);
        let symbol = "BTC/USDT:USDT".parse().expect("symbol");
        self.market
            .write(&symbol, Timeframe::H1, &candles)
            .await
            .expect("candles");
    }

    /// The retraining workflow over these ports, as the local executor builds it.
    fn workflow(&self, config: &tradai_config::Config) -> LocalWorkflow {
        let ports = self.ports.clone().with_source(Arc::new(RecordedSource::new(
            Recording::bundled().expect("pages"),
        )));
        let integrations = LocalIntegrations::from_ports(config, &ports);
        let mut workflow = LocalWorkflow::retraining(config, integrations).expect("workflow");
        workflow.delay_scale = 0.0;
        workflow
    }

    /// A Production champion of `model` with these metrics.
    async fn champion(
        &self,
        model: &str,
        profit: f64,
        sharpe: f64,
        drawdown: f64,
        win: f64,
    ) -> String {
        let run = self
            .registry
            .log_run(NewRun {
                experiment_name: format!("retraining-{model}"),
                metrics: BTreeMap::from([
                    ("profit_total".to_owned(), profit),
                    ("sharpe_ratio".to_owned(), sharpe),
                    ("max_drawdown".to_owned(), drawdown),
                    ("win_rate".to_owned(), win),
                ]),
                ..NewRun::default()
            })
            .await
            .expect("run");
        let version = self
            .registry
            .register(NewVersion {
                model_name: model.into(),
                source: format!("runs:/{}/model", run.run_id),
                run_id: Some(run.run_id),
                tags: BTreeMap::new(),
            })
            .await
            .expect("register");
        self.registry
            .set_stage(model, &version.version, ModelStage::Production)
            .await
            .expect("production");
        version.version
    }

    /// The notifications published since the last call: `(type, severity, message body)`.
    async fn published(&self) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        loop {
            let batch = self
                .alerts
                .receive(10, Duration::from_millis(500))
                .await
                .expect("receive");
            if batch.is_empty() {
                return out;
            }
            for message in batch {
                let body: Value = serde_json::from_str(&message.body).expect("json");
                out.push((
                    body["type"].as_str().unwrap_or_default().to_owned(),
                    body["severity"].as_str().unwrap_or_default().to_owned(),
                    body,
                ));
                self.alerts.delete(&message.receipt).await.expect("delete");
            }
        }
    }

    async fn state(&self, model: &str) -> Option<RetrainingRecord> {
        self.retraining
            .get(&RecordKey::partition(model))
            .await
            .expect("state")
    }
}

fn input(model: &str, strategy: &str) -> Value {
    json!({"model_name": model, "strategy": strategy, "force": true})
}

/// Every branch of the retraining workflow, on any stores; `prefix` keeps model names apart on a shared
/// MLflow.
async fn flows(config: &tradai_config::Config, stores: &Stores, prefix: &str) {
    stores.seed().await;
    let workflow = stores.workflow(config);

    // Train → compare → PROMOTE: a weak champion gives way.
    let weak = format!("{prefix}-weak");
    let old = stores.champion(&weak, -0.5, -5.0, 0.9, 0.0).await;
    let run = workflow
        .execute("promote-run", input(&weak, "sma-crossover"))
        .await;
    assert!(run.succeeded, "{run:?}");
    assert_eq!(
        run.visited,
        [
            "NormalizeInput",
            "CheckRetrainingNeeded",
            "EvaluateRetrainingNeed",
            "RunRetraining",
            "CompareModels",
            "DecidePromotion",
            "PromoteModel",
            "UpdateRetrainingState",
            "NotifyCompletion",
        ]
    );
    assert_eq!(
        run.output["comparison"]["data"]["decision"], "PROMOTE",
        "{}",
        run.output
    );
    let versions = stores.registry.versions(&weak).await.expect("versions");
    let stage = |v: &str| versions.iter().find(|x| x.version == v).map(|x| x.stage);
    let new = run.output["promotion"]["data"]["new_version"]
        .as_str()
        .expect("new version");
    assert_eq!(
        (stage(new), stage(&old)),
        (Some(ModelStage::Production), Some(ModelStage::Archived))
    );
    let state = stores
        .state(&weak)
        .await
        .expect("the state row was written");
    assert_eq!(
        (state.status, state.trigger),
        (RetrainingStatus::Completed, RetrainingTrigger::Manual)
    );
    assert_eq!(state.task_arn.as_deref(), Some("local:promote-run"));
    assert_eq!(state.last_execution.as_deref(), Some("local:promote-run"));
    assert!(state.last_retrained.is_some());
    let sent = stores.published().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].0.as_str(), sent[0].1.as_str()),
        ("RETRAINING_SUCCESS", "INFO")
    );
    assert_eq!(sent[0].2["details"]["decision"], "PROMOTE");

    // Train → compare → KEEP: an unbeatable champion stays; the challenger waits in Staging.
    let strong = format!("{prefix}-strong");
    let champion = stores.champion(&strong, 1e6, 1e6, 0.0, 1.0).await;
    let run = workflow
        .execute("keep-run", input(&strong, "sma-crossover"))
        .await;
    assert!(run.succeeded, "{run:?}");
    assert!(
        run.visited.contains(&"KeepCurrentModel".to_owned()),
        "{:?}",
        run.visited
    );
    assert_eq!(run.output["comparison"]["data"]["decision"], "KEEP");
    let versions = stores.registry.versions(&strong).await.expect("versions");
    assert_eq!(versions.len(), 2);
    for v in &versions {
        let expected = if v.version == champion {
            ModelStage::Production
        } else {
            ModelStage::Staging
        };
        assert_eq!(v.stage, expected, "{v:?}");
    }
    assert_eq!(
        stores.state(&strong).await.expect("state").status,
        RetrainingStatus::Completed
    );
    let sent = stores.published().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].2["details"]["promotion"]["promoted"], false);

    // Skip: trained an hour ago, not forced.
    let recent = format!("{prefix}-recent");
    let before = RetrainingRecord {
        model_name: recent.clone(),
        status: RetrainingStatus::Completed,
        trigger: RetrainingTrigger::Scheduled,
        last_retrained: Some(Timestamp::now().plus_seconds(-3600)),
        task_arn: None,
        last_execution: None,
        error: None,
        updated_at: Timestamp::now(),
    };
    stores.retraining.put(&before).await.expect("put");
    let before = stores.state(&recent).await;
    let run = workflow
        .execute("skip-run", json!({"model_name": recent}))
        .await;
    assert!(run.succeeded, "{run:?}");
    assert_eq!(
        run.visited.last().map(String::as_str),
        Some("SkipRetraining")
    );
    assert_eq!(run.output["check"]["data"]["decision"], "recently_trained");
    assert!(
        stores.registry.versions(&recent).await.is_err(),
        "nothing was trained"
    );
    assert_eq!(
        stores.state(&recent).await,
        before,
        "the state is untouched"
    );
    assert!(stores.published().await.is_empty());

    // Invalid model: HandleInvalidModel → NotifyFailure → RetrainingFailed, with the reason.
    let run = workflow
        .execute("invalid-run", json!({"model_name": "not a model!"}))
        .await;
    assert!(!run.succeeded);
    assert_eq!(
        run.error.as_ref().map(|e| e.error.as_str()),
        Some("RetrainingFailed")
    );
    assert!(
        run.visited.contains(&"HandleInvalidModel".to_owned()),
        "{:?}",
        run.visited
    );
    let sent = stores.published().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].0.as_str(), sent[0].1.as_str()),
        ("RETRAINING_FAILED", "ERROR")
    );
    assert_eq!(sent[0].2["details"]["error"]["Error"], "InvalidModel");

    // A failed training run: RunRetraining's Catch → NotifyFailure, nothing registered or recorded.
    let broken = format!("{prefix}-broken");
    let run = workflow
        .execute("broken-run", input(&broken, "no-such-strategy"))
        .await;
    assert!(!run.succeeded);
    assert_eq!(
        run.visited.last().map(String::as_str),
        Some("RetrainingFailed")
    );
    let cause = run.output["error"]["Cause"].as_str().unwrap_or_default();
    assert!(cause.contains("StrategyNotFound"), "{}", run.output);
    assert!(stores.registry.versions(&broken).await.is_err());
    assert_eq!(stores.state(&broken).await, None);
    let sent = stores.published().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "RETRAINING_FAILED");
}

#[tokio::test]
async fn retraining_runs_end_to_end_on_in_memory_adapters() {
    let config = tradai_test_support::config_with_prefix("tradai");
    let stores = Stores::memory(&config);
    flows(&config, &stores, "model").await;
}

#[tokio::test]
async fn retraining_runs_end_to_end_on_the_emulator_with_mlflow() {
    let (config, stores) = Stores::emulator().await;
    let prefix = tradai_test_support::unique_prefix();
    flows(&config, &stores, &prefix).await;
}
