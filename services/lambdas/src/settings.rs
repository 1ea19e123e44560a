//! Every handler's settings, read from its environment and checked once at a cold start: each problem names
//! the variable, its value and what is allowed. The handlers then use the typed values for every event.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use tradai_config::{Config, Declared, Function, Shape};

/// Why a function cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

/// Reads variables from a source (the process environment in Lambda). In declaring mode ([`variables`]) it reads
/// nothing: it records each variable `configure` asks for (name, whether required, what is allowed, default) and
/// answers with the default, so the list a function needs is derived from the code that reads it.
pub struct Settings<'a> {
    pub get: &'a dyn Fn(&str) -> Option<String>,
    /// Where declaring mode records; `None` reads.
    pub declared: Option<&'a RefCell<Vec<Declared>>>,
}

impl std::fmt::Debug for Settings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Settings")
    }
}

impl<'a> Settings<'a> {
    /// Read from `get`.
    pub fn reading(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Settings {
            get,
            declared: None,
        }
    }

    /// Record in declaring mode; whether declaring.
    fn declare(&self, name: &str, required: bool, allowed: &str, default: Option<String>) -> bool {
        self.declare_shaped(Declared::new(name, required, allowed, default))
    }

    fn declare_shaped(&self, declared: Declared) -> bool {
        match self.declared {
            Some(list) => {
                let mut list = list.borrow_mut();
                if !list.iter().any(|d| d.name == declared.name) {
                    list.push(declared);
                }
                true
            }
            None => false,
        }
    }

    /// A required variable.
    pub fn required(&self, name: &str) -> Result<String, StartupError> {
        self.required_shaped(name, Shape::Text)
    }

    /// A required variable whose value has `shape` (an ARN, a URL).
    pub fn required_shaped(&self, name: &str, shape: Shape) -> Result<String, StartupError> {
        let allowed = match shape {
            Shape::Text => "a non-empty value",
            Shape::Url => "an http(s) URL",
            Shape::Arn => "an ARN (arn:aws:…)",
        };
        if self.declare_shaped(Declared {
            shape,
            ..Declared::new(name, true, allowed, None)
        }) {
            return Ok(format!("<{name}>"));
        }
        let value = (self.get)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| StartupError(format!("{name} is not set; this function needs it")))?;
        if shape.admits(&value) {
            Ok(value)
        } else {
            Err(StartupError(format!("{name}={value}: expected {allowed}")))
        }
    }

    /// A variable parsed as `T`, `default` when unset.
    pub fn parsed<T: FromStr + std::fmt::Display>(
        &self,
        name: &str,
        default: T,
        allowed: &str,
    ) -> Result<T, StartupError> {
        if self.declare(name, false, allowed, Some(default.to_string())) {
            return Ok(default);
        }
        match (self.get)(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| StartupError(format!("{name}={text}: expected {allowed}"))),
        }
    }

    /// A number within `range`, `default` when unset.
    fn within<T: FromStr + PartialOrd + std::fmt::Display + Copy>(
        &self,
        name: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
        unit: &str,
    ) -> Result<T, StartupError> {
        let allowed = format!("{unit} from {} to {}", range.start(), range.end());
        let value = self.parsed(name, default, &allowed)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(StartupError(format!("{name}={value}: expected {allowed}")))
        }
    }

    /// A comma-separated list (empty when unset).
    fn list(&self, name: &str) -> Vec<String> {
        if self.declare(name, false, "comma-separated values", None) {
            return Vec::new();
        }
        (self.get)(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A comma-separated list with at least one item.
    fn required_list(&self, name: &str) -> Result<Vec<String>, StartupError> {
        if self.declare(name, true, "comma-separated values, at least one", None) {
            return Ok(vec![format!("<{name}>")]);
        }
        let list = self.list(name);
        if list.is_empty() {
            return Err(StartupError(format!(
                "{name} is not set; this function needs it"
            )));
        }
        Ok(list)
    }
}

/// Every variable `function` reads (besides `ENVIRONMENT`, which every function reads), derived from
/// [`configure`] itself.
pub fn variables(function: Function, config: &Config) -> Vec<Declared> {
    let declared = RefCell::new(vec![Declared::new(
        "ENVIRONMENT",
        true,
        "dev, staging or prod",
        None,
    )]);
    let none = |_: &str| None;
    let s = Settings {
        get: &none,
        declared: Some(&declared),
    };
    // Declaring mode answers every read, so only a rule between two defaults could refuse; the list stands.
    let _ = configure(function, &s, config);
    let _ = mlflow_uri(&s);
    declared.into_inner()
}

/// `function` with every setting at its default, as the local platform runs it (required values, the
/// addresses of AWS resources, are placeholders the local platform does not use: its alerts, services and
/// state machines are its own ports).
pub fn defaults(function: Function, config: &Config) -> Result<Configured, StartupError> {
    let declared = RefCell::new(Vec::new());
    let none = |_: &str| None;
    let s = Settings {
        get: &none,
        declared: Some(&declared),
    };
    configure(function, &s, config)
}

/// The data-collection-proxy's service and machine client.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    pub url: String,
    pub timeout: Duration,
    pub token_url: String,
    pub client_id: String,
    /// The Secrets Manager secret holding the client secret (read at start).
    pub secret_arn: String,
    pub scopes: Vec<String>,
}

/// A handler with its settings.
#[derive(Debug, Clone)]
pub enum Configured {
    BacktestConsumer {
        state_machine: String,
        launch: crate::handlers::sqs_consumer::Settings,
    },
    SqsConsumer(crate::handlers::sqs_consumer::Settings),
    UpdateStatus,
    Cleanup,
    CheckRetraining(crate::handlers::check_retraining_needed::Settings),
    Compare {
        min_confidence: f64,
    },
    Promote,
    Rollback {
        cooldown_hours: i64,
        topic: String,
    },
    Scheduler {
        checks: crate::handlers::check_retraining_needed::Settings,
        /// The retraining state machine.
        state_machine: String,
    },
    Health(crate::handlers::health_check::Settings, String),
    Heartbeat(crate::handlers::trading_heartbeat_check::Settings, String),
    DriftMonitor(crate::handlers::drift_monitor::Settings, String),
    Orphans(crate::handlers::orphan_scanner::Settings),
    Sweeper {
        settings: (
            crate::handlers::job_sweeper::Settings,
            crate::handlers::sqs_consumer::Settings,
        ),
        state_machine: String,
    },
    Validate(crate::handlers::validate_strategy::Settings),
    Notify {
        throttle_minutes: i64,
        topic: String,
    },
    DataProxy(ProxySettings),
    PulumiDrift(crate::handlers::pulumi_drift_detector::Settings, String),
    NatRoutes(crate::handlers::update_nat_routes::Settings),
}

impl Configured {
    /// The alerts topic the function publishes to (its `ALERT_SNS_TOPIC_ARN` or `SNS_ALERTS_TOPIC_ARN`).
    pub fn topic(&self) -> Option<&str> {
        match self {
            Configured::Rollback { topic, .. } | Configured::Notify { topic, .. } => Some(topic),
            Configured::Health(_, topic)
            | Configured::Heartbeat(_, topic)
            | Configured::DriftMonitor(_, topic)
            | Configured::PulumiDrift(_, topic) => Some(topic),
            _ => None,
        }
    }
}

fn retraining(
    s: &Settings,
) -> Result<crate::handlers::check_retraining_needed::Settings, StartupError> {
    Ok(crate::handlers::check_retraining_needed::Settings {
        interval_days: s.within("RETRAINING_INTERVAL_DAYS", 7, 1..=365, "whole days")?,
        min_hours: s.within("MIN_HOURS_BETWEEN_RETRAINING", 24, 0..=8760, "whole hours")?,
        allowed_models: s.list("ALLOWED_MODELS"),
    })
}

fn launch(
    s: &Settings,
    config: &Config,
) -> Result<crate::handlers::sqs_consumer::Settings, StartupError> {
    let family = config.names().ecs_service(
        config
            .service_component("strategy-container")
            .unwrap_or("strategy-generic"),
    );
    Ok(crate::handlers::sqs_consumer::Settings {
        task_definition: s.parsed(
            "ECS_TASK_DEFINITION_FAMILY",
            family,
            "a task definition family",
        )?,
        container: s.parsed(
            "ECS_CONTAINER_NAME",
            "strategy".to_owned(),
            "a container name",
        )?,
        max_concurrent: s.within("MAX_CONCURRENT_TASKS", 5, 1..=100, "a whole number")?,
    })
}

fn failures(s: &Settings) -> Result<u32, StartupError> {
    s.within(
        "CONSECUTIVE_FAILURES_THRESHOLD",
        2,
        1..=100,
        "a whole number",
    )
}

/// The health URLs of the always-on services, through Cloud Map.
fn health_urls(config: &Config) -> BTreeMap<String, String> {
    config
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
        .collect()
}

/// The function `handler` names; the error says which handlers this binary serves.
pub fn function(handler: &str) -> Result<Function, StartupError> {
    handler.parse().map_err(|_| {
        StartupError(format!(
            "handler '{handler}' is not one this binary serves: {}",
            Function::keys().join(", ")
        ))
    })
}

/// The MLflow server every function connects when it is given (required by those that need it: [`configure`]).
pub fn mlflow_uri(s: &Settings) -> Result<Option<String>, StartupError> {
    if s.declare_shaped(Declared {
        shape: Shape::Url,
        ..Declared::new(
            "MLFLOW_TRACKING_URI",
            false,
            "the MLflow server's http(s) URL",
            None,
        )
    }) {
        return Ok(None);
    }
    Ok((s.get)("MLFLOW_TRACKING_URI").filter(|uri| !uri.trim().is_empty()))
}

/// Read and check `function`'s settings (every function of the registry is served: adding one to
/// [`Function`] fails to compile until it has a case here).
pub fn configure(
    function: Function,
    s: &Settings,
    config: &Config,
) -> Result<Configured, StartupError> {
    let topic = |name: &str| s.required_shaped(name, Shape::Arn);
    let configured = match function {
        Function::BacktestConsumer => Configured::BacktestConsumer {
            state_machine: s.required_shaped("STATE_MACHINE_ARN", Shape::Arn)?,
            launch: launch(s, config)?,
        },
        Function::SqsConsumer => Configured::SqsConsumer(launch(s, config)?),
        Function::UpdateStatus => Configured::UpdateStatus,
        Function::CleanupResources => Configured::Cleanup,
        Function::CheckRetrainingNeeded => Configured::CheckRetraining(retraining(s)?),
        Function::CompareModels => Configured::Compare {
            min_confidence: s.within("MIN_CONFIDENCE_THRESHOLD", 0.7, 0.0..=1.0, "a number")?,
        },
        Function::PromoteModel => Configured::Promote,
        Function::ModelRollback => Configured::Rollback {
            cooldown_hours: s.within("ROLLBACK_COOLDOWN_HOURS", 24, 0..=8760, "whole hours")?,
            topic: topic("ALERT_SNS_TOPIC_ARN")?,
        },
        Function::RetrainingScheduler => Configured::Scheduler {
            checks: retraining(s)?,
            state_machine: s.required_shaped("STATE_MACHINE_ARN", Shape::Arn)?,
        },
        Function::HealthCheck => Configured::Health(
            crate::handlers::health_check::Settings {
                timeout: Duration::from_secs(s.within(
                    "HEALTH_CHECK_TIMEOUT",
                    10,
                    1..=60,
                    "whole seconds",
                )?),
                threshold: failures(s)?,
                ttl_seconds: s.within(
                    "DYNAMODB_TTL_SECONDS",
                    86_400,
                    60..=31_536_000,
                    "whole seconds",
                )?,
                services: health_urls(config),
            },
            topic("SNS_ALERTS_TOPIC_ARN")?,
        ),
        Function::TradingHeartbeatCheck => Configured::Heartbeat(
            crate::handlers::trading_heartbeat_check::Settings {
                threshold_minutes: s.within(
                    "HEARTBEAT_THRESHOLD_MINUTES",
                    2,
                    1..=1440,
                    "whole minutes",
                )?,
                failures_threshold: failures(s)?,
                ttl_seconds: s.within(
                    "DYNAMODB_TTL_SECONDS",
                    604_800,
                    60..=31_536_000,
                    "whole seconds",
                )?,
            },
            topic("ALERT_SNS_TOPIC_ARN")?,
        ),
        Function::DriftMonitor => {
            let moderate = s.within("PSI_MODERATE_THRESHOLD", 0.1, 0.0..=10.0, "a number")?;
            let significant =
                s.within("PSI_SIGNIFICANT_THRESHOLD", 0.25, 0.0..=10.0, "a number")?;
            if significant <= moderate {
                return Err(StartupError(format!(
                    "PSI_SIGNIFICANT_THRESHOLD={significant}: expected more than PSI_MODERATE_THRESHOLD={moderate}"
                )));
            }
            Configured::DriftMonitor(
                crate::handlers::drift_monitor::Settings {
                    psi: crate::drift::Settings {
                        moderate,
                        significant,
                        reference_days: s.within(
                            "REFERENCE_PERIOD_DAYS",
                            30,
                            1..=365,
                            "whole days",
                        )?,
                        current_days: s.within("CURRENT_PERIOD_DAYS", 7, 1..=365, "whole days")?,
                        min_samples: s.within("MIN_SAMPLES", 10, 1..=10_000, "a whole number")?,
                    },
                    models: s.list("MONITORED_MODELS"),
                },
                topic("ALERT_SNS_TOPIC_ARN")?,
            )
        }
        Function::OrphanScanner => Configured::Orphans(crate::handlers::orphan_scanner::Settings {
            dry_run: s.parsed("DRY_RUN", true, "true or false")?,
            max_runtime_hours: s.within("MAX_TASK_RUNTIME_HOURS", 6, 1..=720, "whole hours")?,
        }),
        Function::JobSweeper => Configured::Sweeper {
            settings: (
                crate::handlers::job_sweeper::Settings {
                    pending_minutes: s.within(
                        "PENDING_TIMEOUT_MINUTES",
                        15,
                        1..=1440,
                        "whole minutes",
                    )?,
                    claim_minutes: s.within(
                        "CLAIM_TIMEOUT_MINUTES",
                        60,
                        1..=1440,
                        "whole minutes",
                    )?,
                    dry_run: s.parsed("DRY_RUN", false, "true or false")?,
                },
                launch(s, config)?,
            ),
            state_machine: s.required_shaped("STATE_MACHINE_ARN", Shape::Arn)?,
        },
        Function::ValidateStrategy => {
            // The strategies are read from the platform's configs bucket; the variable names it, so the stacks
            // grant the function's role that bucket (a role without it is refused every read).
            let configs = config.names().bucket("configs").to_string();
            let named: String = s.parsed(
                "CONFIGS_BUCKET",
                configs.clone(),
                "the platform's configs bucket",
            )?;
            if named != configs {
                return Err(StartupError(format!(
                    "CONFIGS_BUCKET={named}: the strategy configs are in {configs}, the bucket this must name"
                )));
            }
            Configured::Validate(crate::handlers::validate_strategy::Settings {
                require_model: s.parsed("REQUIRE_MLFLOW_MODEL", false, "true or false")?,
            })
        }
        Function::NotifyCompletion => Configured::Notify {
            throttle_minutes: s.within(
                "NOTIFICATION_THROTTLE_MINUTES",
                5,
                0..=1440,
                "whole minutes",
            )?,
            topic: topic("ALERT_SNS_TOPIC_ARN")?,
        },
        Function::DataCollectionProxy => {
            let region = &config.settings().aws.region;
            let domain = config.names().resource("auth");
            let cognito = &config.settings().cognito;
            Configured::DataProxy(ProxySettings {
                url: s.required_shaped("DATA_COLLECTION_URL", Shape::Url)?,
                timeout: Duration::from_secs(s.within(
                    "REQUEST_TIMEOUT",
                    30,
                    1..=900,
                    "whole seconds",
                )?),
                token_url: s.parsed(
                    "COGNITO_TOKEN_URL",
                    crate::m2m::cognito_token_url(&domain, region),
                    "a URL",
                )?,
                client_id: s.required("M2M_CLIENT_ID")?,
                secret_arn: s.required_shaped("M2M_CLIENT_SECRET_ARN", Shape::Arn)?,
                scopes: crate::handlers::data_collection_proxy::scopes(cognito),
            })
        }
        Function::PulumiDriftDetector => Configured::PulumiDrift(
            crate::handlers::pulumi_drift_detector::Settings {
                stacks: tradai_config::Layer::ALL
                    .iter()
                    .map(|layer| format!("{}-{}", layer.as_str(), config.env().as_str()))
                    .collect(),
                ttl_seconds: 30 * 86_400,
                stale_after_hours: s.within("STALE_AFTER_HOURS", 26, 1..=720, "whole hours")?,
            },
            topic("ALERT_SNS_TOPIC_ARN")?,
        ),
        Function::UpdateNatRoutes => {
            let route_tables = s.required_list("PRIVATE_ROUTE_TABLE_ID")?;
            Configured::NatRoutes(crate::handlers::update_nat_routes::Settings { route_tables })
        }
    };
    if matches!(
        function,
        Function::CompareModels
            | Function::PromoteModel
            | Function::ModelRollback
            | Function::DriftMonitor
            | Function::RetrainingScheduler
    ) {
        s.required_shaped("MLFLOW_TRACKING_URI", Shape::Url)?;
    }
    Ok(configured)
}
