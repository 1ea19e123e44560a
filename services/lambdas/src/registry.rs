//! The typed Lambda registry. Each of the 18 functions is one [`Handler`]: its function key, the typed event it
//! takes and the typed answer it gives, its dependencies taken from the platform's [`Ports`], and `handle`.
//! [`build`] is the one place a function key becomes a handler: the Lambda runtime (`tradai-lambda`), the
//! local workflow executor and the tests all serve events through it, so what runs locally is what is deployed.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tradai_config::metrics::{Emitter, Metric};
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{NatRouting, WorkflowStarter};
use tradai_platform::Ports;

use crate::handlers::data_collection_proxy::DataCollection;
use crate::settings::{Configured, StartupError};
use crate::{envelope, HandlerError};

/// One Lambda function's handler.
pub trait Handler: Send + Sync + 'static {
    /// The function it serves (`[lambdas.<key>]` of the config).
    const FUNCTION: Function;
    /// Step Functions tasks answer inside the §10.1 envelope; an SQS consumer answers the partial-batch
    /// response itself (Lambda reads `batchItemFailures` at the top level).
    const ENVELOPED: bool = true;
    /// The custom metrics it emits, each with its dimensions (`tradai_config::metrics`): what `tradai infra
    /// check` holds the alarms and the dashboard to ([`crate::metrics::emits`]).
    const EMITS: &'static [Metric] = &[];
    /// The event it takes.
    type Input: DeserializeOwned + Send;
    /// What it answers (the envelope's `data` when [`Handler::ENVELOPED`]).
    type Output: Serialize + Send;
    /// What its environment configures (read and checked by [`crate::settings::configure`]).
    type Settings;

    /// The handler over the platform's `ports` and the `extras` only it uses: its dependencies come from there.
    fn build(
        ports: &Ports,
        extras: &Extras,
        settings: Self::Settings,
    ) -> Result<Self, StartupError>
    where
        Self: Sized;

    /// Serve one event at `now`.
    fn handle(
        &self,
        input: Self::Input,
        now: Timestamp,
    ) -> impl Future<Output = Result<Self::Output, HandlerError>> + Send;
}

/// A handler behind a JSON event, as Lambda and the local executor deliver it.
#[async_trait]
pub trait Serve: Send + Sync {
    /// The function it serves.
    fn function(&self) -> Function;
    /// The custom metrics it emits ([`Handler::EMITS`]).
    fn emits(&self) -> &'static [Metric];
    /// Parse `event` (a bad one is a `ValidationError` naming the field), handle it, and answer in the
    /// function's form (the §10.1 envelope for `environment`, or the SQS batch response).
    async fn serve(
        &self,
        event: Value,
        now: Timestamp,
        environment: &str,
    ) -> Result<Value, HandlerError>;
}

#[async_trait]
impl<H: Handler> Serve for H {
    fn function(&self) -> Function {
        H::FUNCTION
    }

    fn emits(&self) -> &'static [Metric] {
        H::EMITS
    }

    async fn serve(
        &self,
        event: Value,
        now: Timestamp,
        environment: &str,
    ) -> Result<Value, HandlerError> {
        let input: H::Input = crate::input::parse(event)?;
        let output = self.handle(input, now).await?;
        let answer = serde_json::to_value(output).map_err(|e| {
            HandlerError::Dependency(tradai_domain::DomainError::Configuration(format!(
                "the answer of {} does not serialize: {e}",
                H::FUNCTION
            )))
        })?;
        Ok(if H::ENVELOPED {
            envelope(answer, environment)
        } else {
            answer
        })
    }
}

/// What a handler may need beyond the [`Ports`]: the clients only one function uses, built where the function
/// runs (the Lambda runtime connects them to AWS; the local platform answers them in process).
#[derive(Clone, Default)]
pub struct Extras {
    /// data-collection-proxy's data-collection service.
    pub data: Option<Arc<dyn DataCollection>>,
    /// update-nat-routes' route tables and NAT instances.
    pub nat: Option<Arc<dyn NatRouting>>,
    /// backtest-consumer's backtest state machine, retraining-scheduler's retraining one.
    pub workflows: Option<Arc<dyn WorkflowStarter>>,
    /// health-check's HTTP client (built only where it runs: a client loads a TLS root store).
    pub http: Option<reqwest::Client>,
    /// Where the handlers' custom metrics go (stdout in Lambda); none: nowhere (the local platform).
    pub metrics: Option<Emitter>,
}

impl Extras {
    /// Every extra on the in-memory twins over `ports`: data-collection in-process, NAT routes and workflow
    /// starts recorded in memory (the local platform, tests and fuzzing). No HTTP client: health-check is
    /// refused, as it calls services over the network.
    pub fn in_memory(ports: &Ports) -> Extras {
        Extras {
            data: Some(Arc::new(
                crate::handlers::data_collection_proxy::InProcessDataCollection {
                    store: ports.market.clone(),
                    source: ports.source.clone(),
                },
            )),
            nat: Some(Arc::new(tradai_memory::MemoryNatRouting::new())),
            workflows: Some(Arc::new(tradai_memory::MemoryWorkflows::new("backtest"))),
            http: None,
            metrics: None,
        }
    }
}

impl std::fmt::Debug for Extras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extras")
            .field("data", &self.data.is_some())
            .field("nat", &self.nat.is_some())
            .field("workflows", &self.workflows.is_some())
            .field("metrics", &self.metrics)
            .finish_non_exhaustive()
    }
}

/// `value`, which `function` needs and this platform may not have built.
pub(crate) fn required<T: Clone>(
    value: &Option<T>,
    what: &str,
    function: Function,
) -> Result<T, StartupError> {
    value.clone().ok_or_else(|| {
        StartupError(format!(
            "{function} needs {what}, which this platform did not provide"
        ))
    })
}

/// The handler of `configured`'s function over `ports` (and the `extras` it alone uses): the one place a
/// function becomes its handler, one line each. Alerts go to the ports' notifier (the function's own topic
/// in Lambda).
pub fn build(
    configured: Configured,
    ports: &Ports,
    extras: &Extras,
) -> Result<Box<dyn Serve>, StartupError> {
    use crate::handlers::*;
    fn boxed<H: Handler>(
        ports: &Ports,
        extras: &Extras,
        settings: H::Settings,
    ) -> Result<Box<dyn Serve>, StartupError> {
        Ok(Box::new(H::build(ports, extras, settings)?))
    }
    let (p, e) = (ports, extras);
    match configured {
        Configured::BacktestConsumer { launch, .. } => {
            boxed::<backtest_consumer::BacktestConsumer>(p, e, launch)
        }
        Configured::SqsConsumer(s) => boxed::<sqs_consumer::SqsConsumer>(p, e, s),
        Configured::UpdateStatus => boxed::<update_status::UpdateStatus>(p, e, ()),
        Configured::Cleanup => boxed::<cleanup_resources::CleanupResources>(p, e, ()),
        Configured::CheckRetraining(s) => {
            boxed::<check_retraining_needed::CheckRetrainingNeeded>(p, e, s)
        }
        Configured::Compare { min_confidence } => {
            boxed::<compare_models::CompareModels>(p, e, min_confidence)
        }
        Configured::Promote => boxed::<promote_model::PromoteModel>(p, e, ()),
        Configured::Rollback { cooldown_hours, .. } => {
            boxed::<model_rollback::ModelRollback>(p, e, cooldown_hours)
        }
        Configured::Scheduler { checks, .. } => {
            boxed::<retraining_scheduler::RetrainingScheduler>(p, e, checks)
        }
        Configured::Health(s, _) => boxed::<health_check::HealthCheck>(p, e, s),
        Configured::Heartbeat(s, _) => {
            boxed::<trading_heartbeat_check::TradingHeartbeatCheck>(p, e, s)
        }
        Configured::DriftMonitor(s, _) => boxed::<drift_monitor::DriftMonitor>(p, e, s),
        Configured::Orphans(settings) => boxed::<orphan_scanner::OrphanScanner>(p, e, settings),
        Configured::Sweeper { settings, .. } => boxed::<job_sweeper::JobSweeper>(p, e, settings),
        Configured::Validate(s) => boxed::<validate_strategy::ValidateStrategy>(p, e, s),
        Configured::Notify {
            throttle_minutes, ..
        } => boxed::<notify_completion::NotifyCompletion>(p, e, throttle_minutes),
        Configured::DataProxy(_) => boxed::<data_collection_proxy::DataCollectionProxy>(p, e, ()),
        Configured::PulumiDrift(s, _) => {
            boxed::<pulumi_drift_detector::PulumiDriftDetector>(p, e, s)
        }
        Configured::NatRoutes(s) => boxed::<update_nat_routes::UpdateNatRoutes>(p, e, s),
    }
}

/// Serve `event` through `handler` now, as Lambda would, and take the answer's `data` (tests).
#[cfg(test)]
pub(crate) async fn data(handler: &dyn Serve, event: Value) -> Result<Value, HandlerError> {
    data_at(handler, event, Timestamp::now()).await
}

/// [`data`] at `now`.
#[cfg(test)]
pub(crate) async fn data_at(
    handler: &dyn Serve,
    event: Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let answer = handler.serve(event, now, "dev").await?;
    Ok(answer["body"]["data"].clone())
}

#[cfg(test)]
mod tests {

    use super::*;

    /// Every function of the config's `[lambdas.*]` has exactly its own handler in the registry, and every
    /// handler's function is in the config: the two lists cannot drift.
    #[test]
    fn the_registry_and_the_configs_lambdas_name_the_same_functions() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let ports = Ports::memory(&config).expect("ports");
        let extras = Extras {
            http: Some(reqwest::Client::new()),
            ..Extras::in_memory(&ports)
        };
        let mut served = Vec::new();
        for key in config.settings().lambdas.keys() {
            let function: Function = key.parse().expect("a [lambdas.*] key is a function");
            let configured = crate::settings::defaults(function, &config).expect("defaults");
            let handler = build(configured, &ports, &extras).expect("built");
            assert_eq!(handler.function(), function, "{key} builds its own handler");
            assert_eq!(
                handler.emits(),
                crate::metrics::emits(function),
                "{key}: the table of emitted metrics is its handler's"
            );
            served.push(function);
        }
        served.sort_by_key(|f| f.key());
        let mut all = Function::ALL.to_vec();
        all.sort_by_key(|f| f.key());
        assert_eq!(served, all, "every registered function is in the config");
    }

    /// A function built where its one-off client does not exist says which.
    #[test]
    fn a_missing_client_is_named() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let ports = Ports::memory(&config).expect("ports");
        let configured =
            crate::settings::defaults(Function::UpdateNatRoutes, &config).expect("defaults");
        let error = build(configured, &ports, &Extras::default())
            .err()
            .expect("no NAT clients");
        assert!(
            error
                .0
                .contains("update-nat-routes needs the NAT routing clients"),
            "{error}"
        );
    }
}
