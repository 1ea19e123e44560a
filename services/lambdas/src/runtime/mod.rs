//! The Lambda runtime side: one binary (`tradai-lambda <handler>`, one image for all 18 functions) reads the
//! named handler's settings from its environment once at start ([`settings::configure`]: each problem names the
//! variable, its value and what is allowed), connects its dependencies, and serves events with
//! `lambda_runtime`. The canonical config (`ENVIRONMENT`) names the tables, buckets and cluster, as it does for
//! the stacks that create them.

mod canonical;

use std::sync::Arc;

use serde_json::Value;
use tradai_aws::{Clients, Ec2NatRouting, Endpoint, SfnWorkflows};
use tradai_config::metrics::Emitter;
use tradai_config::Environment;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{NatRouting, WorkflowStarter};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_platform::{AwsSettings, Ports};

pub use crate::settings::{configure, function, variables, Configured, Settings, StartupError};

use crate::handlers::data_collection_proxy::{DataCollection, HttpDataCollection};
use crate::registry::{Extras, Serve};
use crate::HandlerError;

/// Where settings come from: a variable's value by name.
pub type VariableSource = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// One handler ready to serve: the function's handler from the registry over the AWS ports.
pub struct App {
    handler: String,
    environment: String,
    served: Box<dyn Serve>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("handler", &self.handler)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

fn policy(service: &str) -> Arc<ResiliencePolicy> {
    Arc::new(ResiliencePolicy::aws(service))
}

impl App {
    /// Check `handler` and its settings, then connect: the ports on AWS (no call is made until an event needs
    /// one), the alerts topic of the function, and the clients only this function uses.
    pub async fn start(handler: &str, get: VariableSource) -> Result<App, StartupError> {
        let function = function(handler)?;
        let s = Settings::reading(get.as_ref());
        let environment = s.required("ENVIRONMENT")?;
        let env: Environment = environment.parse().map_err(|_| {
            StartupError(format!(
                "ENVIRONMENT={environment}: expected dev, staging or prod"
            ))
        })?;
        let config = canonical::config(env, &tradai_config::overriding_variables())?;
        let configured = configure(function, &s, &config)?;
        let clients =
            Clients::connect(&Endpoint::from_env(config.settings().aws.region.clone())).await;
        let settings = AwsSettings {
            mlflow_uri: crate::settings::mlflow_uri(&s)?,
            alerts_topic_arn: configured.topic().map(str::to_owned),
            ..AwsSettings::default()
        };
        let ports = Ports::aws(&config, &clients, &settings)
            .map_err(|e| StartupError(format!("the AWS adapters cannot be built: {e}")))?;
        let mut extras = Extras {
            metrics: Some(Emitter::stdout(env)),
            ..Extras::default()
        };
        match &configured {
            Configured::DataProxy(p) => {
                extras.data = Some(Arc::new(proxy(&clients, p).await?) as Arc<dyn DataCollection>);
            }
            Configured::NatRoutes(_) => {
                extras.nat =
                    Some(Arc::new(Ec2NatRouting::new(&clients, policy("ec2")))
                        as Arc<dyn NatRouting>);
            }
            Configured::Health(settings, _) => {
                let client = tradai_discovery::client(settings.timeout)
                    .build()
                    .map_err(|e| StartupError(format!("the HTTP client cannot be built: {e}")))?;
                extras.http = Some(client);
            }
            Configured::BacktestConsumer { state_machine, .. }
            | Configured::Scheduler { state_machine, .. }
            | Configured::Sweeper { state_machine, .. } => {
                extras.workflows = Some(Arc::new(SfnWorkflows::new(
                    clients.sfn.clone(),
                    state_machine.clone(),
                    policy("states"),
                )) as Arc<dyn WorkflowStarter>);
            }
            _ => {}
        }
        let served = crate::registry::build(configured, &ports, &extras)?;
        Ok(App {
            handler: handler.to_owned(),
            environment,
            served,
        })
    }

    /// Serve one event: the §10.1 envelope for Step Functions handlers, the batch answer for SQS ones.
    pub async fn handle(&self, event: Value) -> Result<Value, HandlerError> {
        self.served
            .serve(event, Timestamp::now(), &self.environment)
            .await
    }
}

/// data-collection-proxy's HTTP client: the machine client's secret is read now, so a missing one stops the
/// cold start with the command that puts it.
async fn proxy(
    clients: &Clients,
    p: &crate::settings::ProxySettings,
) -> Result<HttpDataCollection, StartupError> {
    let secret = tradai_aws::secret_string(clients, &p.secret_arn)
        .await
        .map_err(|e| {
            StartupError(format!(
                "M2M_CLIENT_SECRET_ARN={}: the machine client's secret cannot be read ({e}); put the Cognito \
                 client's secret with aws secretsmanager put-secret-value --secret-id {}",
                p.secret_arn, p.secret_arn
            ))
        })?;
    let tokens =
        crate::m2m::ClientCredentials::new(&p.token_url, &p.client_id, &secret, p.scopes.clone())
            .map_err(|e| StartupError(format!("COGNITO_TOKEN_URL={}: {e}", p.token_url)))?;
    let client = tradai_discovery::client(p.timeout)
        .build()
        .map_err(|e| StartupError(e.to_string()))?;
    Ok(HttpDataCollection {
        base_url: p.url.trim_end_matches('/').to_owned(),
        tokens: Arc::new(tokens),
        client,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradai_config::Loader;

    use super::*;

    fn source(vars: &[(&str, &str)]) -> VariableSource {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Box::new(move |name| vars.get(name).cloned())
    }

    /// The registry, the config's `[lambdas.*]` and what this binary serves are one list.
    #[test]
    fn the_registry_is_the_config_s_functions_and_the_binary_s_handlers() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let configured: Vec<&str> = config
            .settings()
            .lambdas
            .keys()
            .map(String::as_str)
            .collect();
        let mut registered = tradai_config::Function::keys();
        registered.sort_unstable();
        assert_eq!(configured, registered);
        for key in registered {
            assert_eq!(function(key).map(|f| f.key()), Ok(key));
        }
    }

    /// What each function reads, derived from the code that reads it: the list the stacks and `tradai infra
    /// check` compare with a function's planned environment.
    #[test]
    fn each_function_declares_the_variables_it_reads() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let table: BTreeMap<&str, Vec<tradai_config::Declared>> = tradai_config::Function::ALL
            .into_iter()
            .map(|f| (f.key(), variables(f, &config)))
            .collect();
        let find = |f: &str, name: &str| {
            table[f]
                .iter()
                .find(|d| d.name == name)
                .cloned()
                .unwrap_or_else(|| panic!("{f} does not declare {name}"))
        };
        assert!(find("update-nat-routes", "PRIVATE_ROUTE_TABLE_ID").required);
        assert!(find("health-check", "SNS_ALERTS_TOPIC_ARN").required);
        assert_eq!(
            find("health-check", "DYNAMODB_TTL_SECONDS")
                .default
                .as_deref(),
            Some("86400")
        );
        assert_eq!(
            find("trading-heartbeat-check", "DYNAMODB_TTL_SECONDS")
                .default
                .as_deref(),
            Some("604800")
        );
        assert!(find("compare-models", "MLFLOW_TRACKING_URI").required);
        assert!(!find("update-status", "MLFLOW_TRACKING_URI").required);
        insta::assert_json_snapshot!("function_variables", table);
    }

    /// A function started with exactly the variables it declares as required (and nothing else) gets past
    /// its settings: the declarations are complete.
    #[tokio::test]
    async fn the_declared_required_variables_are_enough_to_configure() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        for function in tradai_config::Function::ALL {
            let values: BTreeMap<String, String> = variables(function, &config)
                .into_iter()
                .filter(|d| d.required)
                .map(|d| {
                    // A value of the declared shape.
                    let value = match (d.name.as_str(), d.shape) {
                        ("ENVIRONMENT", _) => "dev".to_owned(),
                        (_, tradai_config::Shape::Url) => "http://127.0.0.1:9".into(),
                        (_, tradai_config::Shape::Arn) => {
                            format!("arn:aws:sns:eu-central-1:123456789012:{}", d.name)
                        }
                        (_, tradai_config::Shape::Text) => "declared-value".into(),
                    };
                    (d.name, value)
                })
                .collect();
            let get = |name: &str| values.get(name).cloned();
            let s = Settings::reading(&get);
            configure(function, &s, &config).unwrap_or_else(|e| panic!("{function}: {e}"));
        }
    }

    #[tokio::test]
    async fn bad_settings_stop_the_start_naming_the_variable() {
        let cases = [
            (
                "update-dns-routes",
                vec![("ENVIRONMENT", "dev")],
                "is not one this binary serves",
            ),
            (
                "update-nat-routes",
                vec![("ENVIRONMENT", "dev")],
                "PRIVATE_ROUTE_TABLE_ID is not set",
            ),
            (
                "trading-heartbeat-check",
                vec![
                    ("ENVIRONMENT", "dev"),
                    ("HEARTBEAT_THRESHOLD_MINUTES", "0"),
                    ("ALERT_SNS_TOPIC_ARN", "arn"),
                ],
                "HEARTBEAT_THRESHOLD_MINUTES=0: expected whole minutes from 1 to 1440",
            ),
            (
                "drift-monitor",
                vec![
                    ("ENVIRONMENT", "dev"),
                    ("MLFLOW_TRACKING_URI", "http://127.0.0.1:9"),
                    ("PSI_MODERATE_THRESHOLD", "0.3"),
                    ("ALERT_SNS_TOPIC_ARN", "arn"),
                ],
                "PSI_SIGNIFICANT_THRESHOLD=0.25: expected more than PSI_MODERATE_THRESHOLD=0.3",
            ),
            (
                "data-collection-proxy",
                vec![
                    ("ENVIRONMENT", "dev"),
                    ("DATA_COLLECTION_URL", "http://dc:8002"),
                ],
                "M2M_CLIENT_ID is not set",
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
            (
                "orphan-scanner",
                vec![("ENVIRONMENT", "dev"), ("MAX_TASK_RUNTIME_HOURS", "0")],
                "MAX_TASK_RUNTIME_HOURS=0: expected whole hours from 1 to 720",
            ),
            (
                "notify-completion",
                vec![
                    ("ENVIRONMENT", "dev"),
                    ("ALERT_SNS_TOPIC_ARN", "tradai-alerts-dev"),
                ],
                "ALERT_SNS_TOPIC_ARN=tradai-alerts-dev: expected an ARN (arn:aws:…)",
            ),
            (
                "data-collection-proxy",
                vec![
                    ("ENVIRONMENT", "dev"),
                    ("DATA_COLLECTION_URL", "data-collection.tradai.local:8002"),
                ],
                "DATA_COLLECTION_URL=data-collection.tradai.local:8002: expected an http(s) URL",
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
