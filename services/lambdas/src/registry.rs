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
    /// The event it takes.
    type Input: DeserializeOwned + Send;
    /// What it answers (the envelope's `data` when [`Handler::ENVELOPED`]).
    type Output: Serialize + Send;

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
    /// backtest-consumer's backtest state machine.
    pub workflows: Option<Arc<dyn WorkflowStarter>>,
    /// health-check's HTTP client.
    pub http: reqwest::Client,
}

impl std::fmt::Debug for Extras {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extras")
            .field("data", &self.data.is_some())
            .field("nat", &self.nat.is_some())
            .field("workflows", &self.workflows.is_some())
            .finish_non_exhaustive()
    }
}

/// `value`, which `function` needs and this platform may not have built.
fn required<T: Clone>(value: &Option<T>, what: &str, function: Function) -> Result<T, StartupError> {
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
    Ok(match configured {
        Configured::UpdateStatus => Box::new(update_status::UpdateStatus::new(ports)),
        Configured::Cleanup => Box::new(cleanup_resources::CleanupResources::new(ports)),
        Configured::Validate(s) => Box::new(validate_strategy::ValidateStrategy::new(ports, s)),
        Configured::Compare { min_confidence } => {
            Box::new(compare_models::CompareModels::new(ports, min_confidence))
        }
        Configured::Promote => Box::new(promote_model::PromoteModel::new(ports)),
        Configured::Notify {
            throttle_minutes, ..
        } => Box::new(notify_completion::NotifyCompletion::new(
            ports,
            ports.notifier.clone(),
            throttle_minutes,
        )),
        Configured::DataProxy(_) => Box::new(data_collection_proxy::DataCollectionProxy::new(
            required(&extras.data, "a data-collection client", Function::DataCollectionProxy)?,
        )),
        other => {
            return Err(StartupError(format!(
                "{other:?} is served by the runtime's own match until its handler joins the registry"
            )))
        }
    })
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
