//! The `local` executor's workflow (issue 8 §4): the same backtest definition the cloud runs, interpreted in
//! this process (`tradai_workflows::local`), its Lambda tasks answered by the Rust handlers and its ECS task by
//! the backtest runner, all called directly.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_backtest_runner::Runner;
use tradai_domain::entities::NotificationRecord;
use tradai_domain::ports::{Notifier, RecordStore, TaskRunner};
use tradai_domain::JobStatus;
use tradai_lambdas::data_proxy::DataCollection;
use tradai_lambdas::{
    cleanup, data_proxy, envelope, notify, update_status, validate, HandlerError,
};
use tradai_workflows::local::{Integrations, TaskFailure};
use tradai_workflows::{ECS_RUN_TASK_SYNC, LAMBDA_INVOKE};

/// What the handlers and the runner of a local workflow use.
pub struct LocalIntegrations {
    pub runner: Arc<Runner>,
    pub data: Arc<dyn DataCollection>,
    pub tasks: Arc<dyn TaskRunner>,
    pub notifier: Arc<dyn Notifier>,
    pub notifications: Arc<dyn RecordStore<NotificationRecord>>,
    pub environment: String,
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

impl LocalIntegrations {
    async fn lambda(&self, function: &str, payload: &Value) -> Result<Value, HandlerError> {
        let r = &self.runner;
        match function {
            "validate-strategy" => {
                let deps = validate::Dependencies {
                    configs: r.configs.as_ref(),
                    registry: r.registry.as_deref(),
                    settings: validate::Settings::default(),
                };
                validate::handle(&deps, payload).await
            }
            "data-collection-proxy" => data_proxy::handle(self.data.as_ref(), payload).await,
            "update-status" => update_status::handle(&r.jobs, payload).await,
            "cleanup-resources" => cleanup::handle(self.tasks.as_ref(), payload).await,
            "notify-completion" => {
                let deps = notify::Dependencies {
                    notifier: self.notifier.as_ref(),
                    sent: self.notifications.as_ref(),
                    throttle_minutes: 5,
                };
                notify::handle(&deps, payload, tradai_domain::entities::Timestamp::now()).await
            }
            other => Err(HandlerError::invalid(
                "FunctionName",
                format!("'{other}' has no local handler"),
            )),
        }
    }

    /// The runner for the job named in the task's container environment.
    async fn run_task(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let environment = &parameters["Overrides"]["ContainerOverrides"][0]["Environment"];
        let job_id = environment
            .as_array()
            .and_then(|vars| vars.iter().find(|v| v["Name"] == "JOB_ID"))
            .and_then(|v| v["Value"].as_str())
            .ok_or_else(|| TaskFailure {
                error: "States.TaskFailed".into(),
                cause: "no JOB_ID in the container overrides".into(),
            })?;
        let outcome = self.runner.run(job_id).await.map_err(|e| TaskFailure {
            error: "States.TaskFailed".into(),
            cause: e.to_string(),
        })?;
        match outcome.status {
            JobStatus::Completed => {
                Ok(json!({"TaskArn": format!("local:{job_id}"), "LastStatus": "STOPPED"}))
            }
            status => Err(TaskFailure {
                error: "States.TaskFailed".into(),
                cause: outcome.error.map_or_else(
                    || format!("the runner left the job {status}"),
                    |e| format!("{}: {}", e.error, e.cause),
                ),
            }),
        }
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
            other => Err(TaskFailure {
                error: "States.Runtime".into(),
                cause: format!("no local integration for {other}"),
            }),
        }
    }
}

/// The backtest definition with local targets (each function named by its key) and its integrations.
#[derive(Debug)]
pub struct LocalWorkflow {
    pub machine: tradai_workflows::StateMachine,
    pub integrations: LocalIntegrations,
    pub task_definition: String,
    /// Scale of retry delays (1 = the definition's own).
    pub delay_scale: f64,
}

impl LocalWorkflow {
    /// The config's backtest workflow over `integrations`.
    pub fn backtest(
        config: &tradai_config::Config,
        integrations: LocalIntegrations,
    ) -> tradai_domain::Result<Self> {
        let spec = config.settings().workflows.get("backtest").ok_or_else(|| {
            tradai_domain::DomainError::Configuration("the config has no workflows.backtest".into())
        })?;
        let mut targets = tradai_workflows::sample::targets(config);
        targets.functions = targets
            .functions
            .keys()
            .map(|k| (k.clone(), k.clone()))
            .collect();
        let task_definition = targets.strategy_task_definition.clone();
        Ok(LocalWorkflow {
            machine: tradai_workflows::backtest(spec, &targets),
            integrations,
            task_definition,
            delay_scale: 1.0,
        })
    }
}
