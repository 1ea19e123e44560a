//! What answers the definitions' tasks locally: the Rust handlers for `lambda:invoke`, the runner for
//! `ecs:runTask.sync` (a backtest, or a training run with `TRADING_MODE=train`), and the retraining-state
//! store for `dynamodb:updateItem`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_backtest_runner::train::{TrainRequest, TrainSettings};
use tradai_backtest_runner::Runner;
use tradai_config::{Config, Function};
use tradai_domain::entities::{DriftRecord, NotificationRecord, RetrainingRecord, Timestamp};
use tradai_domain::ports::{Notifier, RecordKey, RecordStore, TaskRunner};
use tradai_domain::JobStatus;
use tradai_lambdas::handlers::data_collection_proxy::{DataCollection, InProcessDataCollection};
use tradai_lambdas::handlers::{
    check_retraining_needed as retraining, cleanup_resources, compare_models,
    data_collection_proxy, notify_completion, promote_model, update_status, validate_strategy,
};
use tradai_lambdas::{envelope, HandlerError};
use tradai_memory::MemoryTaskRunner;
use tradai_platform::Ports;
use tradai_workflows::local::{update_item, Integrations, TaskFailure};
use tradai_workflows::{DYNAMODB_UPDATE_ITEM, ECS_RUN_TASK_SYNC, LAMBDA_INVOKE};

/// What the handlers and the runner of a local workflow use.
pub struct LocalIntegrations {
    pub runner: Arc<Runner>,
    pub data: Arc<dyn DataCollection>,
    pub tasks: Arc<dyn TaskRunner>,
    pub notifier: Arc<dyn Notifier>,
    pub notifications: Arc<dyn RecordStore<NotificationRecord>>,
    pub retraining: Arc<dyn RecordStore<RetrainingRecord>>,
    pub drift: Arc<dyn RecordStore<DriftRecord>>,
    /// check-retraining-needed's settings.
    pub retraining_settings: retraining::Settings,
    pub train: TrainSettings,
    pub environment: String,
}

impl LocalIntegrations {
    /// The integrations over `ports`: the runner and the handlers read and write the platform's stores; the
    /// workflow's ECS tasks run in this process, so cleanup-resources acts on an in-process task list.
    pub fn from_ports(config: &Config, ports: &Ports) -> LocalIntegrations {
        LocalIntegrations {
            runner: Arc::new(Runner {
                jobs: ports.jobs.clone(),
                configs: ports.configs.clone(),
                market: ports.market.clone(),
                results: ports.results.clone(),
                registry: Some(ports.registry.clone()),
                settings: tradai_backtest::Settings::default(),
            }),
            data: Arc::new(InProcessDataCollection {
                store: ports.market.clone(),
                source: ports.source.clone(),
            }),
            tasks: Arc::new(MemoryTaskRunner::new(&config.names().ecs_cluster())),
            notifier: ports.notifier.clone(),
            notifications: ports.notifications.clone(),
            retraining: ports.retraining.clone(),
            drift: ports.drift.clone(),
            retraining_settings: retraining::Settings::default(),
            train: TrainSettings::default(),
            environment: config.env().to_string(),
        }
    }
}

impl std::fmt::Debug for LocalIntegrations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIntegrations")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

fn failure(error: HandlerError) -> TaskFailure {
    TaskFailure {
        error: error.name().to_owned(),
        cause: error.to_string(),
    }
}

fn task_failed(cause: impl Into<String>) -> TaskFailure {
    TaskFailure {
        error: "States.TaskFailed".into(),
        cause: cause.into(),
    }
}

/// The value of container variable `name` in a runTask's overrides (`None` when absent or empty).
fn variable<'a>(parameters: &'a Value, name: &str) -> Option<&'a str> {
    parameters["Overrides"]["ContainerOverrides"][0]["Environment"]
        .as_array()?
        .iter()
        .find(|v| v["Name"] == name)?["Value"]
        .as_str()
        .filter(|v| !v.is_empty())
}

impl LocalIntegrations {
    async fn lambda(&self, function: &str, payload: &Value) -> Result<Value, HandlerError> {
        let r = &self.runner;
        let registry = || {
            r.registry.as_deref().ok_or_else(|| {
                HandlerError::Dependency(tradai_domain::DomainError::Configuration(
                    "the local platform has no model registry".into(),
                ))
            })
        };
        let function: Function =
            function
                .parse()
                .map_err(|e: tradai_config::UnknownFunction| {
                    HandlerError::invalid("FunctionName", e.to_string())
                })?;
        match function {
            Function::ValidateStrategy => {
                let deps = validate_strategy::Dependencies {
                    configs: r.configs.as_ref(),
                    registry: r.registry.as_deref(),
                    settings: validate_strategy::Settings::default(),
                };
                validate_strategy::handle(&deps, payload).await
            }
            Function::DataCollectionProxy => {
                data_collection_proxy::handle(self.data.as_ref(), payload).await
            }
            Function::UpdateStatus => update_status::handle(&r.jobs, payload).await,
            Function::CleanupResources => {
                cleanup_resources::handle(self.tasks.as_ref(), payload).await
            }
            Function::NotifyCompletion => {
                let deps = notify_completion::Dependencies {
                    notifier: self.notifier.as_ref(),
                    sent: self.notifications.as_ref(),
                    throttle_minutes: 5,
                };
                notify_completion::handle(&deps, payload, Timestamp::now()).await
            }
            Function::CheckRetrainingNeeded => {
                let deps = retraining::Dependencies {
                    drift: self.drift.as_ref(),
                    retraining: self.retraining.as_ref(),
                    settings: &self.retraining_settings,
                };
                retraining::handle(&deps, payload, Timestamp::now()).await
            }
            Function::CompareModels => compare_models::handle(registry()?, payload, 0.7).await,
            Function::PromoteModel => promote_model::handle(registry()?, payload).await,
            // The workflows invoke only the functions above; the others are triggered by queues, schedules and
            // alarms, which the local platform does not run.
            other => Err(HandlerError::invalid(
                "FunctionName",
                format!("'{other}' has no local handler"),
            )),
        }
    }

    /// The runner for the job (or training run) named in the task's container environment.
    async fn run_task(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let job_id = variable(parameters, "JOB_ID")
            .ok_or_else(|| task_failed("no JOB_ID in the container overrides"))?;
        let stopped = json!({"TaskArn": format!("local:{job_id}"), "LastStatus": "STOPPED"});
        if variable(parameters, "TRADING_MODE") == Some("train") {
            let request = TrainRequest {
                job_id: job_id.to_owned(),
                model_name: variable(parameters, "MODEL_NAME")
                    .ok_or_else(|| task_failed("no MODEL_NAME for a training run"))?
                    .to_owned(),
                strategy: variable(parameters, "STRATEGY").map(str::to_owned),
                trigger: variable(parameters, "RETRAINING_TRIGGER").map(str::to_owned),
                config_version_id: variable(parameters, "CONFIG_VERSION_ID").map(str::to_owned),
            };
            return match self.runner.train(&request, &self.train).await {
                Ok(_) => Ok(stopped),
                Err(e) => Err(task_failed(format!("{}: {}", e.error, e.cause))),
            };
        }
        let outcome = self
            .runner
            .run(job_id)
            .await
            .map_err(|e| task_failed(e.to_string()))?;
        match outcome.status {
            JobStatus::Completed => Ok(stopped),
            status => Err(task_failed(outcome.error.map_or_else(
                || format!("the runner left the job {status}"),
                |e| format!("{}: {}", e.error, e.cause),
            ))),
        }
    }

    /// `dynamodb:updateItem` on the retraining-state table (the only table the definitions update).
    async fn update_item(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let invalid = |cause: String| TaskFailure {
            error: "DynamoDB.ValidationException".into(),
            cause,
        };
        let key = update_item::key(parameters).map_err(invalid)?;
        let model = key
            .get("model_name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("the key is not a retraining-state key (model_name)".into()))?;
        let record_key = RecordKey::partition(model);
        let current = self
            .retraining
            .get(&record_key)
            .await
            .map_err(|e| task_failed(e.to_string()))?;
        let item = current
            .map(|r| serde_json::to_value(r).unwrap_or_default())
            .and_then(|v| v.as_object().cloned());
        let updated = update_item::apply(item, parameters).map_err(invalid)?;
        let record: RetrainingRecord = serde_json::from_value(updated.clone()).map_err(|e| {
            invalid(format!(
                "the update leaves {updated} that is not a retraining record: {e}"
            ))
        })?;
        self.retraining
            .put(&record)
            .await
            .map_err(|e| task_failed(e.to_string()))?;
        Ok(json!({}))
    }
}

#[async_trait]
impl Integrations for LocalIntegrations {
    async fn call(&self, resource: &str, parameters: Value) -> Result<Value, TaskFailure> {
        match resource {
            LAMBDA_INVOKE => {
                let function = parameters["FunctionName"].as_str().unwrap_or_default();
                let data = self
                    .lambda(function, &parameters["Payload"])
                    .await
                    .map_err(failure)?;
                Ok(json!({"Payload": envelope(data, &self.environment), "StatusCode": 200}))
            }
            ECS_RUN_TASK_SYNC => self.run_task(&parameters).await,
            DYNAMODB_UPDATE_ITEM => self.update_item(&parameters).await,
            other => Err(TaskFailure {
                error: "States.Runtime".into(),
                cause: format!("no local integration for {other}"),
            }),
        }
    }
}
