//! Retry and circuit breaker together: the one wrapper adapters put around network calls.

use std::future::Future;
use std::time::Duration;

use super::{CircuitBreaker, RetryPolicy};
use crate::error::Result;

/// Retries inside a circuit breaker: each attempt asks the breaker first and reports its outcome.
#[derive(Debug)]
pub struct ResiliencePolicy {
    retry: RetryPolicy,
    breaker: CircuitBreaker,
}

impl ResiliencePolicy {
    /// A policy from its parts.
    pub fn new(retry: RetryPolicy, breaker: CircuitBreaker) -> Self {
        ResiliencePolicy { retry, breaker }
    }

    /// The preset for AWS APIs: the default retry, opening after 5 consecutive failures for 30 s (decision).
    pub fn aws(service: &str) -> Self {
        ResiliencePolicy::new(
            RetryPolicy::default(),
            CircuitBreaker::new(service, 5, Duration::from_secs(30)),
        )
    }

    /// The breaker (to report its state in health checks).
    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    /// Run `op` under the policy.
    pub async fn protect<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.retry
            .run(|| {
                let call = self.breaker.acquire().map(|permit| (permit, op()));
                async move {
                    let (permit, call) = call?;
                    let outcome = call.await;
                    permit.record(&outcome);
                    outcome
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::resilience::BreakerState;
    use crate::{DomainError, ExternalKind};

    #[tokio::test(start_paused = true)]
    async fn an_open_breaker_stops_further_calls_without_touching_the_dependency() {
        let policy = ResiliencePolicy::new(
            RetryPolicy::default(),
            CircuitBreaker::new("sqs", 2, Duration::from_secs(60)),
        );
        let calls = AtomicU32::new(0);
        let failing = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(DomainError::external(
                "sqs",
                ExternalKind::Unavailable,
                "down",
            ))
        };
        let first = policy.protect(failing).await;
        assert!(first.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the third attempt is refused by the open breaker"
        );
        assert_eq!(policy.breaker().state(), BreakerState::Open);
        let second = policy.protect(failing).await.expect_err("open");
        assert!(matches!(
            second,
            DomainError::External {
                kind: ExternalKind::CircuitOpen,
                ..
            }
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_absorbed() {
        let policy = ResiliencePolicy::aws("dynamodb");
        let calls = AtomicU32::new(0);
        let value = policy
            .protect(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(DomainError::external(
                        "dynamodb",
                        ExternalKind::Timeout,
                        "slow",
                    ))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(value, Ok(7));
        assert_eq!(policy.breaker().state(), BreakerState::Closed);
    }
}
