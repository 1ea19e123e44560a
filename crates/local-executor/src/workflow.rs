//! [`LocalWorkflow`]: one of the config's definitions (backtest, retraining) with local targets, interpreted
//! in this process over [`LocalIntegrations`].

use tradai_workflows::local::{Execution, Interpreter};

use crate::LocalIntegrations;

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
        Self::build("backtest", config, integrations)
    }

    /// The config's retraining workflow over `integrations`.
    pub fn retraining(
        config: &tradai_config::Config,
        integrations: LocalIntegrations,
    ) -> tradai_domain::Result<Self> {
        Self::build("retraining", config, integrations)
    }

    /// The config's hyperopt workflow over `integrations`.
    pub fn hyperopt(
        config: &tradai_config::Config,
        integrations: LocalIntegrations,
    ) -> tradai_domain::Result<Self> {
        Self::build("hyperopt", config, integrations)
    }

    fn build(
        key: &str,
        config: &tradai_config::Config,
        integrations: LocalIntegrations,
    ) -> tradai_domain::Result<Self> {
        let spec = config.settings().workflows.get(key).ok_or_else(|| {
            tradai_domain::DomainError::Configuration(format!("the config has no workflows.{key}"))
        })?;
        let mut targets = tradai_workflows::sample::targets(config);
        targets.functions = targets
            .functions
            .keys()
            .map(|k| (k.clone(), k.clone()))
            .collect();
        let task_definition = targets.strategy_task_definition.clone();
        Ok(LocalWorkflow {
            machine: tradai_workflows::definition(key, spec, &targets).ok_or_else(|| {
                tradai_domain::DomainError::Configuration(format!(
                    "no workflow definition for {key}"
                ))
            })?,
            integrations,
            task_definition,
            delay_scale: 1.0,
        })
    }
}

impl LocalWorkflow {
    /// Run the workflow on `input` as execution `name`, to its end.
    pub async fn execute(&self, name: &str, input: serde_json::Value) -> Execution {
        self.execute_until(name, input, None).await
    }

    /// Run the workflow on `input` as execution `name`, to its end or until `stop` is set (then it ends
    /// `States.Aborted` once the running task returns).
    pub async fn execute_until(
        &self,
        name: &str,
        input: serde_json::Value,
        stop: Option<&std::sync::atomic::AtomicBool>,
    ) -> Execution {
        let interpreter = Interpreter {
            integrations: &self.integrations,
            delay_scale: self.delay_scale,
            stop,
        };
        interpreter.run(&self.machine, name, input).await
    }
}
