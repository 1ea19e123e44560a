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
use tradai_domain::ports::{NatRouting, Notifier, WorkflowStarter};
use tradai_platform::Ports;

use crate::handlers::data_collection_proxy::DataCollection;
use crate::settings::Configured;
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
    pub http: Option<reqwest::Client>,
    /// The alerts topic of the functions that page (their `*_SNS_TOPIC_ARN`); `None` uses the ports' notifier.
    pub alerts: Option<Arc<dyn Notifier>>,
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

impl Extras {
    fn require<T: Clone>(value: &Option<T>, what: &str, function: Function) -> Result<T, HandlerError> {
        value.clone().ok_or_else(|| {
            HandlerError::Dependency(tradai_domain::DomainError::Configuration(format!(
                "{function} needs {what}, which this platform did not provide"
            )))
        })
    }

    fn notifier(&self, ports: &Ports) -> Arc<dyn Notifier> {
        self.alerts.clone().unwrap_or_else(|| ports.notifier.clone())
    }
}

/// The handler of `configured`'s function over `ports` (and the `extras` it alone uses): one line per function.
pub fn build(
    configured: Configured,
    ports: &Ports,
    extras: &Extras,
) -> Result<Box<dyn Serve>, HandlerError> {
    let _ = (ports, extras.notifier(ports));
    Ok(match configured {
        other => return Err(HandlerError::invalid("handler", format!("{other:?} is not in the registry yet"))),
    })
}
