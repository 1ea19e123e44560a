//! The Lambda runtime side: one binary (`tradai-lambda <handler>`, one image for all 18 functions) builds the
//! named handler's dependencies from its environment — checked at start, each problem naming the variable,
//! its value and what is allowed — and serves events with `lambda_runtime`. The canonical config
//! (`ENVIRONMENT`) names the tables, buckets and cluster, as it does for the stacks that create them.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tradai_aws::{
    Clients, DynamoRecordStore, EcsTaskRunner, Endpoint, S3ObjectStore, SfnWorkflows, SnsNotifier,
};
use tradai_config::{Config, Environment, Loader};
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{JobRepository, ModelRegistry, Notifier, TaskRunner};
use tradai_domain::resilience::ResiliencePolicy;

use crate::{envelope, HandlerError};

/// Where settings come from: a variable's value by name.
pub type VariableSource = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Why a function cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

/// Reads a function's settings from a variable source (the process environment in Lambda).
pub struct Settings<'a> {
    pub get: &'a dyn Fn(&str) -> Option<String>,
}

impl std::fmt::Debug for Settings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Settings")
    }
}

impl Settings<'_> {
    /// A required variable.
    pub fn required(&self, name: &str) -> Result<String, StartupError> {
        (self.get)(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| StartupError(format!("{name} is not set; this function needs it")))
    }

    /// A variable parsed as `T`, `default` when unset.
    pub fn parsed<T: FromStr>(
        &self,
        name: &str,
        default: T,
        allowed: &str,
    ) -> Result<T, StartupError> {
        match (self.get)(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| StartupError(format!("{name}={text}: expected {allowed}"))),
        }
    }
}

/// One handler ready to serve.
pub struct App {
    handler: String,
    environment: String,
    deps: Deps,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("handler", &self.handler)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

struct Deps {
    config: Config,
    /// The registry at `MLFLOW_TRACKING_URI`, built once (its HTTP client pools connections across events).
    registry: Option<tradai_mlflow::MlflowRegistry>,
    clients: Clients,
    get: VariableSource,
}

/// Handlers this binary serves.
pub const SERVED: [&str; 14] = [
    "backtest-consumer",
    "sqs-consumer",
    "update-status",
    "cleanup-resources",
    "check-retraining-needed",
    "compare-models",
    "promote-model",
    "model-rollback",
    "retraining-scheduler",
    "health-check",
    "orphan-scanner",
    "validate-strategy",
    "notify-completion",
    "pulumi-drift-detector",
];

fn policy(service: &str) -> Arc<ResiliencePolicy> {
    Arc::new(ResiliencePolicy::aws(service))
}

impl App {
    /// Check `handler` and its settings, then connect.
    pub async fn start(handler: &str, get: VariableSource) -> Result<App, StartupError> {
        if !SERVED.contains(&handler) {
            return Err(StartupError(format!(
                "handler '{handler}' is not one this binary serves: {}",
                SERVED.join(", ")
            )));
        }
        let settings = Settings { get: get.as_ref() };
        let environment = settings.required("ENVIRONMENT")?;
        let env: Environment = environment.parse().map_err(|_| {
            StartupError(format!(
                "ENVIRONMENT={environment}: expected dev, staging or prod"
            ))
        })?;
        let config = Loader::embedded()
            .load(env)
            .map_err(|e| StartupError(format!("the canonical config does not load: {e}")))?;
        let registry = (settings.get)("MLFLOW_TRACKING_URI")
            .filter(|uri| !uri.trim().is_empty())
            .map(|uri| tradai_mlflow::MlflowRegistry::new(&uri, None))
            .transpose()
            .map_err(|e| StartupError(e.to_string()))?;
        let app = App {
            handler: handler.to_owned(),
            environment,
            deps: Deps {
                registry,
                clients: Clients::connect(&Endpoint::from_env(
                    config.settings().aws.region.clone(),
                ))
                .await,
                config,
                get,
            },
        };
        app.check()?;
        Ok(app)
    }

    fn settings(&self) -> Settings<'_> {
        Settings {
            get: self.deps.get.as_ref(),
        }
    }

    /// Every setting the handler reads, parsed once at start so a bad value stops the cold start.
    fn check(&self) -> Result<(), StartupError> {
        let s = self.settings();
        match self.handler.as_str() {
            "compare-models" => s
                .parsed("MIN_CONFIDENCE_THRESHOLD", 0.7, "a number from 0 to 1")
                .map(|_| ()),
            "model-rollback" => s
                .parsed("ROLLBACK_COOLDOWN_HOURS", 24_i64, "whole hours")
                .and(s.required("ALERT_SNS_TOPIC_ARN"))
                .map(|_| ()),
            "notify-completion" => s
                .parsed("NOTIFICATION_THROTTLE_MINUTES", 5_i64, "whole minutes")
                .and(s.required("ALERT_SNS_TOPIC_ARN"))
                .map(|_| ()),
            "check-retraining-needed" | "retraining-scheduler" => s
                .parsed("RETRAINING_INTERVAL_DAYS", 7_i64, "whole days")
                .and(s.parsed("MIN_HOURS_BETWEEN_RETRAINING", 24_i64, "whole hours"))
                .map(|_| ()),
            "sqs-consumer" | "backtest-consumer" => s
                .parsed("MAX_CONCURRENT_TASKS", 5_usize, "a whole number")
                .map(|_| ()),
            "health-check" => s
                .parsed("HEALTH_CHECK_TIMEOUT", 10_u64, "whole seconds")
                .and(s.parsed("CONSECUTIVE_FAILURES_THRESHOLD", 2_u32, "a whole number"))
                .and(s.required("SNS_ALERTS_TOPIC_ARN"))
                .map(|_| ()),
            _ => Ok(()),
        }?;
        if matches!(
            self.handler.as_str(),
            "compare-models" | "promote-model" | "model-rollback"
        ) {
            s.required("MLFLOW_TRACKING_URI")?;
        }
        if self.handler == "backtest-consumer" {
            s.required("STATE_MACHINE_ARN")?;
        }
        Ok(())
    }

    fn registry(&self) -> Result<&tradai_mlflow::MlflowRegistry, HandlerError> {
        self.deps.registry.as_ref().ok_or_else(|| {
            HandlerError::invalid("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_URI is not set")
        })
    }

    fn notifier(&self, variable: &str) -> Result<SnsNotifier, HandlerError> {
        let arn = self
            .settings()
            .required(variable)
            .map_err(|e| HandlerError::invalid(variable, e.0))?;
        Ok(SnsNotifier::new(
            self.deps.clients.sns.clone(),
            arn,
            policy("sns"),
        ))
    }

    fn store<R: tradai_domain::entities::Record>(
        &self,
    ) -> Result<DynamoRecordStore<R>, HandlerError> {
        Ok(DynamoRecordStore::new(
            self.deps.clients.dynamodb.clone(),
            &self.deps.config,
            policy("dynamodb"),
        )?)
    }

    fn tasks(&self) -> EcsTaskRunner {
        EcsTaskRunner::new(
            self.deps.clients.ecs.clone(),
            &self.deps.config,
            None,
            policy("ecs"),
        )
    }

    fn retraining_settings(&self) -> crate::retraining::Settings {
        let s = self.settings();
        crate::retraining::Settings {
            interval_days: s.parsed("RETRAINING_INTERVAL_DAYS", 7, "").unwrap_or(7),
            min_hours: s
                .parsed("MIN_HOURS_BETWEEN_RETRAINING", 24, "")
                .unwrap_or(24),
            allowed_models: s
                .parsed::<String>("ALLOWED_MODELS", String::new(), "")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    fn launch_settings(&self) -> crate::retraining_consumer::Settings {
        let s = self.settings();
        let family = self.deps.config.names().ecs_service(
            self.deps
                .config
                .service_component("strategy-container")
                .unwrap_or("strategy-generic"),
        );
        crate::retraining_consumer::Settings {
            task_definition: s
                .parsed("ECS_TASK_DEFINITION_FAMILY", family, "")
                .unwrap_or_default(),
            container: s
                .parsed("ECS_CONTAINER_NAME", "strategy".to_owned(), "")
                .unwrap_or_default(),
            max_concurrent: s.parsed("MAX_CONCURRENT_TASKS", 5, "").unwrap_or(5),
        }
    }

    /// Serve one event: the §10.1 envelope for Step Functions handlers, the batch answer for SQS ones.
    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        let now = Timestamp::now();
        let data = match self.handler.as_str() {
            "update-status" => {
                crate::update_status::handle(&JobRepository::new(Arc::new(self.store()?)), &event)
                    .await?
            }
            "cleanup-resources" => crate::cleanup::handle(&self.tasks(), &event).await?,
            "validate-strategy" => {
                let configs = S3ObjectStore::new(
                    self.deps.clients.s3.clone(),
                    &self.deps.config,
                    "configs",
                    policy("s3"),
                )?;
                let registry = self.registry().ok();
                let require = self
                    .settings()
                    .parsed("REQUIRE_MLFLOW_MODEL", false, "true or false")
                    .unwrap_or(false);
                let deps = crate::validate::Dependencies {
                    configs: &configs,
                    registry: registry.map(|r| r as &dyn ModelRegistry),
                    settings: crate::validate::Settings {
                        require_model: require,
                    },
                };
                crate::validate::handle(&deps, &event).await?
            }
            "check-retraining-needed" => {
                let (drift, runs, settings) =
                    (self.store()?, self.store()?, self.retraining_settings());
                crate::retraining::handle(
                    &crate::retraining::Dependencies {
                        drift: &drift,
                        retraining: &runs,
                        settings: &settings,
                    },
                    &event,
                    now,
                )
                .await?
            }
            "compare-models" => {
                let threshold = self
                    .settings()
                    .parsed("MIN_CONFIDENCE_THRESHOLD", 0.7, "")
                    .unwrap_or(0.7);
                crate::compare::handle(self.registry()?, &event, threshold).await?
            }
            "promote-model" => crate::promote::handle(self.registry()?, &event).await?,
            "model-rollback" => {
                let (registry, rollbacks, notifier) = (
                    self.registry()?,
                    self.store()?,
                    self.notifier("ALERT_SNS_TOPIC_ARN")?,
                );
                let cooldown_hours = self
                    .settings()
                    .parsed("ROLLBACK_COOLDOWN_HOURS", 24, "")
                    .unwrap_or(24);
                crate::rollback::handle(
                    &crate::rollback::Dependencies {
                        registry,
                        rollbacks: &rollbacks,
                        notifier: Some(&notifier as &dyn Notifier),
                        cooldown_hours,
                    },
                    &event,
                    now,
                )
                .await?
            }
            "notify-completion" => {
                let (notifier, sent) = (self.notifier("ALERT_SNS_TOPIC_ARN")?, self.store()?);
                let throttle_minutes = self
                    .settings()
                    .parsed("NOTIFICATION_THROTTLE_MINUTES", 5, "")
                    .unwrap_or(5);
                crate::notify::handle(
                    &crate::notify::Dependencies {
                        notifier: &notifier,
                        sent: &sent,
                        throttle_minutes,
                    },
                    &event,
                    now,
                )
                .await?
            }
            "backtest-consumer" => {
                let arn = self
                    .settings()
                    .required("STATE_MACHINE_ARN")
                    .map_err(|e| HandlerError::invalid("STATE_MACHINE_ARN", e.0))?;
                let workflows =
                    SfnWorkflows::new(self.deps.clients.sfn.clone(), arn, policy("states"));
                let jobs = JobRepository::new(Arc::new(self.store()?));
                let deps = crate::consumer::Dependencies {
                    jobs: &jobs,
                    workflows: &workflows,
                    task_definition: self.launch_settings().task_definition,
                };
                return Ok(crate::consumer::handle(&deps, &event).await);
            }
            "sqs-consumer" => {
                let (tasks, runs, settings) = (self.tasks(), self.store()?, self.launch_settings());
                return crate::retraining_consumer::handle(
                    &crate::retraining_consumer::Dependencies {
                        tasks: &tasks,
                        retraining: &runs,
                        settings: &settings,
                    },
                    &event,
                    now,
                )
                .await;
            }
            "retraining-scheduler" => {
                let (drift, runs, check_settings, tasks, launch_settings) = (
                    self.store()?,
                    self.store()?,
                    self.retraining_settings(),
                    self.tasks(),
                    self.launch_settings(),
                );
                let checks = crate::retraining::Dependencies {
                    drift: &drift,
                    retraining: &runs,
                    settings: &check_settings,
                };
                let launcher = crate::retraining_consumer::Dependencies {
                    tasks: &tasks,
                    retraining: &runs,
                    settings: &launch_settings,
                };
                crate::scheduler::handle(&checks, &launcher, &event, &[], now).await?
            }
            "health-check" => {
                let s = self.settings();
                let config = &self.deps.config;
                let services: BTreeMap<String, String> = config
                    .settings()
                    .services
                    .iter()
                    .filter(|(_, spec)| spec.kind == tradai_config::ServiceKind::AlwaysOn)
                    .filter_map(|(key, spec)| {
                        Some((
                            key.clone(),
                            format!(
                                "{}{}",
                                config.service_url(key)?,
                                spec.health_path.as_deref()?
                            ),
                        ))
                    })
                    .collect();
                let settings = crate::health::Settings {
                    timeout: Duration::from_secs(
                        s.parsed("HEALTH_CHECK_TIMEOUT", 10, "").unwrap_or(10),
                    ),
                    threshold: s
                        .parsed("CONSECUTIVE_FAILURES_THRESHOLD", 2, "")
                        .unwrap_or(2),
                    ttl_seconds: s
                        .parsed("DYNAMODB_TTL_SECONDS", 86_400, "")
                        .unwrap_or(86_400),
                    services,
                };
                let (records, notifier, http) = (
                    self.store()?,
                    self.notifier("SNS_ALERTS_TOPIC_ARN")?,
                    reqwest::Client::new(),
                );
                crate::health::handle(
                    &crate::health::Dependencies {
                        http: &http,
                        records: &records,
                        notifier: &notifier,
                        settings: &settings,
                    },
                    now,
                )
                .await?
            }
            "orphan-scanner" => {
                let (tasks, jobs, runs) = (
                    self.tasks(),
                    JobRepository::new(Arc::new(self.store()?)),
                    self.store()?,
                );
                crate::orphans::handle(
                    &crate::orphans::Dependencies {
                        tasks: &tasks as &dyn TaskRunner,
                        jobs: &jobs,
                        retraining: &runs,
                    },
                    &event,
                    now,
                )
                .await?
            }
            "pulumi-drift-detector" => {
                let settings = crate::pulumi_drift::Settings {
                    binary: "pulumi".into(),
                    project_dir: self
                        .settings()
                        .parsed("PULUMI_PROJECT_DIR", "/var/task/infra".to_owned(), "")
                        .unwrap_or_default()
                        .into(),
                    ttl_seconds: 30 * 86_400,
                };
                let (records, notifier) = (self.store()?, self.notifier("ALERT_SNS_TOPIC_ARN")?);
                crate::pulumi_drift::handle(
                    &crate::pulumi_drift::Dependencies {
                        records: &records,
                        notifier: &notifier,
                        settings: &settings,
                    },
                    &event,
                    now,
                )
                .await?
            }
            other => {
                return Err(HandlerError::invalid(
                    "handler",
                    format!("'{other}' is not served"),
                ))
            }
        };
        Ok(envelope(data, &self.environment))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(vars: &[(&str, &str)]) -> VariableSource {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Box::new(move |name| vars.get(name).cloned())
    }

    #[tokio::test]
    async fn bad_settings_stop_the_start_naming_the_variable() {
        let cases = [
            (
                "update-nat-routes",
                vec![("ENVIRONMENT", "dev")],
                "is not one this binary serves",
            ),
            ("update-status", vec![], "ENVIRONMENT is not set"),
            (
                "update-status",
                vec![("ENVIRONMENT", "qa")],
                "ENVIRONMENT=qa: expected dev, staging or prod",
            ),
            (
                "compare-models",
                vec![("ENVIRONMENT", "dev"), ("MIN_CONFIDENCE_THRESHOLD", "high")],
                "MIN_CONFIDENCE_THRESHOLD=high: expected a number from 0 to 1",
            ),
            (
                "compare-models",
                vec![("ENVIRONMENT", "dev")],
                "MLFLOW_TRACKING_URI is not set",
            ),
            (
                "health-check",
                vec![("ENVIRONMENT", "dev"), ("HEALTH_CHECK_TIMEOUT", "-3")],
                "HEALTH_CHECK_TIMEOUT=-3: expected whole seconds",
            ),
            (
                "backtest-consumer",
                vec![("ENVIRONMENT", "prod")],
                "STATE_MACHINE_ARN is not set",
            ),
        ];
        for (handler, vars, expected) in cases {
            let err = App::start(handler, source(&vars)).await.expect_err(handler);
            assert!(err.0.contains(expected), "{handler}: {err}");
        }
        let ok = App::start("update-status", source(&[("ENVIRONMENT", "staging")]))
            .await
            .expect("starts");
        assert_eq!(ok.environment, "staging");
    }
}
