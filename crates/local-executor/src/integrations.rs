//! What answers the definitions' tasks locally: the Rust handlers for `lambda:invoke`, the runner for
//! `ecs:runTask.sync` (a backtest, a training run with `TRADING_MODE=train`, a hyperopt sweep's tasks), the
//! retraining-state store for `dynamodb:updateItem`, and the results bucket for a distributed Map's
//! `s3:getObject` and `s3:putObject`.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_backtest_runner::train::{TrainRequest, TrainSettings};
use tradai_backtest_runner::Runner;
use tradai_config::{Config, Function};
use tradai_domain::entities::{RetrainingRecord, Timestamp};
use tradai_domain::ports::RecordKey;
use tradai_domain::JobStatus;
use tradai_lambdas::handlers::data_collection_proxy::InProcessDataCollection;
use tradai_lambdas::registry::{self, Extras};
use tradai_lambdas::settings::defaults;
use tradai_lambdas::HandlerError;
use tradai_memory::MemoryTaskRunner;
use tradai_platform::Ports;
use tradai_workflows::local::{update_item, Integrations, TaskFailure};
use tradai_workflows::{
    DYNAMODB_UPDATE_ITEM, ECS_RUN_TASK_SYNC, LAMBDA_INVOKE, S3_GET_OBJECT, S3_PUT_OBJECT,
};

/// What the handlers and the runner of a local workflow use.
pub struct LocalIntegrations {
    pub runner: Arc<Runner>,
    /// The platform's ports as the workflow's tasks see them: its ECS tasks run in this process, so
    /// cleanup-resources acts on an in-process task list.
    pub ports: Ports,
    /// What only some handlers use: data-collection-proxy syncs in process.
    pub extras: Extras,
    /// The config each function is configured from (its defaults: [`tradai_lambdas::settings::defaults`]).
    pub config: Config,
    pub train: TrainSettings,
    pub environment: String,
    /// The stop flag of each job's execution, by job id: a stopped sweep's trial tasks end early, storing the
    /// trials that finished (what SIGTERM does to the runner in an ECS task).
    pub stops: Arc<Mutex<HashMap<String, Arc<AtomicBool>>>>,
}

impl LocalIntegrations {
    /// The stop flag of job `job_id`'s execution (a fresh, unset one for a job no one stops).
    pub fn stop_flag(&self, job_id: &str) -> Arc<AtomicBool> {
        let stops = self.stops.lock().unwrap_or_else(|e| e.into_inner());
        stops.get(job_id).cloned().unwrap_or_default()
    }
}

impl LocalIntegrations {
    /// The integrations over `ports`: the runner and the handlers (built by the lambdas' registry, as in
    /// Lambda) read and write the platform's stores.
    pub fn from_ports(config: &Config, ports: &Ports) -> LocalIntegrations {
        let mut local = ports.clone();
        local.tasks = Arc::new(MemoryTaskRunner::new(&config.names().ecs_cluster()));
        LocalIntegrations {
            runner: Arc::new(Runner::from_ports(
                ports,
                true,
                tradai_backtest::Settings::default(),
            )),
            extras: Extras {
                data: Some(Arc::new(InProcessDataCollection {
                    store: ports.market.clone(),
                    source: ports.source.clone(),
                })),
                ..Extras::default()
            },
            ports: local,
            config: config.clone(),
            train: TrainSettings::default(),
            environment: config.env().to_string(),
            stops: Arc::default(),
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
    /// `lambda:invoke` of `function`: its handler from the registry, configured with its defaults, over this
    /// platform's ports; the answer as Lambda gives it.
    async fn lambda(&self, function: &str, payload: &Value) -> Result<Value, HandlerError> {
        let function: Function =
            function
                .parse()
                .map_err(|e: tradai_config::UnknownFunction| {
                    HandlerError::invalid("FunctionName", e.to_string())
                })?;
        let unavailable = |e: tradai_lambdas::settings::StartupError| {
            HandlerError::Dependency(tradai_domain::DomainError::Configuration(e.0))
        };
        let configured = defaults(function, &self.config).map_err(unavailable)?;
        let handler =
            registry::build(configured, &self.ports, &self.extras).map_err(unavailable)?;
        handler
            .serve(payload.clone(), Timestamp::now(), &self.environment)
            .await
    }

    /// The runner for the job (or training run) named in the task's container environment.
    async fn run_task(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let job_id = variable(parameters, "JOB_ID")
            .ok_or_else(|| task_failed("no JOB_ID in the container overrides"))?;
        let stopped = json!({"TaskArn": format!("local:{job_id}"), "LastStatus": "STOPPED"});
        if let Some(mode) =
            variable(parameters, "TRADING_MODE").filter(|m| m.starts_with("hyperopt"))
        {
            return self
                .hyperopt_task(mode, job_id, parameters)
                .await
                .map(|()| stopped);
        }
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

    /// A hyperopt sweep's runner task (`hyperopt-plan`, `hyperopt` on every core, `hyperopt-finalize`).
    async fn hyperopt_task(
        &self,
        mode: &str,
        job_id: &str,
        parameters: &Value,
    ) -> Result<(), TaskFailure> {
        let number = |name: &str| -> Result<u32, TaskFailure> {
            variable(parameters, name)
                .unwrap_or("0")
                .parse()
                .map_err(|e| task_failed(format!("{name}: {e}")))
        };
        let failed =
            |e: tradai_domain::entities::JobError| task_failed(format!("{}: {}", e.error, e.cause));
        match mode {
            "hyperopt-plan" => self
                .runner
                .hyperopt_plan(job_id, number("HYPEROPT_ROUND")?)
                .await
                .map(drop)
                .map_err(failed),
            "hyperopt" => {
                let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
                self.runner
                    .hyperopt_item(
                        job_id,
                        number("HYPEROPT_ROUND")?,
                        number("HYPEROPT_ITEM")?,
                        workers,
                        self.stop_flag(job_id),
                    )
                    .await
                    .map(drop)
                    .map_err(failed)
            }
            "hyperopt-finalize" => self
                .runner
                .hyperopt_finalize(job_id)
                .await
                .map(drop)
                .map_err(failed),
            other => Err(task_failed(format!("no runner mode {other}"))),
        }
    }

    /// The results bucket, the only one the definitions read items from and write results to.
    fn results_bucket(&self, parameters: &Value) -> Result<(), TaskFailure> {
        let expected = self.config.names().bucket("results").to_string();
        match parameters["Bucket"].as_str() {
            Some(bucket) if bucket == expected => Ok(()),
            other => Err(TaskFailure {
                error: "S3.NoSuchBucket".into(),
                cause: format!("{other:?} is not the results bucket {expected}"),
            }),
        }
    }

    /// `s3:getObject` of a JSON object in the results bucket, parsed.
    async fn get_object(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        self.results_bucket(parameters)?;
        let key = parameters["Key"].as_str().unwrap_or_default();
        let object = self.ports.results.get(key).await.map_err(|e| TaskFailure {
            error: "S3.NoSuchKey".into(),
            cause: e.to_string(),
        })?;
        serde_json::from_slice(&object.body).map_err(|e| TaskFailure {
            error: "States.ItemReaderFailed".into(),
            cause: format!("{key} is not JSON: {e}"),
        })
    }

    /// `s3:putObject` of `Body` (JSON) into the results bucket.
    async fn put_object(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        self.results_bucket(parameters)?;
        let key = parameters["Key"].as_str().unwrap_or_default();
        let object = tradai_domain::ports::StoredObject {
            body: parameters["Body"].to_string().into_bytes(),
            content_type: "application/json".into(),
            metadata: Default::default(),
        };
        self.ports
            .results
            .put(key, object)
            .await
            .map_err(|e| task_failed(e.to_string()))?;
        Ok(json!({}))
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
            .ports
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
        self.ports
            .retraining
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
                let answer = self
                    .lambda(function, &parameters["Payload"])
                    .await
                    .map_err(failure)?;
                Ok(json!({"Payload": answer, "StatusCode": 200}))
            }
            ECS_RUN_TASK_SYNC => self.run_task(&parameters).await,
            DYNAMODB_UPDATE_ITEM => self.update_item(&parameters).await,
            S3_GET_OBJECT => self.get_object(&parameters).await,
            S3_PUT_OBJECT => self.put_object(&parameters).await,
            other => Err(TaskFailure {
                error: "States.Runtime".into(),
                cause: format!("no local integration for {other}"),
            }),
        }
    }
}
