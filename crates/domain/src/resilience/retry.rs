//! Retry with capped exponential backoff and jitter.

use std::future::Future;
use std::time::Duration;

use crate::error::Result;

/// How often and how patiently to retry retriable errors.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first (reference: 3).
    pub max_attempts: u32,
    /// Delay before the first retry (reference: 1 s).
    pub initial_delay: Duration,
    /// Growth per retry (reference: 2.0).
    pub factor: f64,
    /// Cap of a single delay.
    pub max_delay: Duration,
    /// Whether each delay is drawn uniformly from [delay/2, delay] so that clients do not retry in step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// The reference `RetryConfig`: 3 attempts, 1 s, ×2.0; capped at 30 s (decision), with jitter.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_delay: Duration::from_secs(1),
            factor: 2.0,
            max_delay: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based), given a uniform sample `unit` in [0, 1).
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let raw = self.initial_delay.as_secs_f64() * self.factor.powi(exponent);
        let capped = raw.min(self.max_delay.as_secs_f64());
        let seconds = if self.jitter {
            capped * (0.5 + 0.5 * unit.clamp(0.0, 1.0))
        } else {
            capped
        };
        Duration::from_secs_f64(seconds)
    }

    /// Run `op` until it succeeds, fails with a non-retriable error, or the attempts are used up.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(err) if err.is_retriable() && attempt < self.max_attempts => {
                    tokio::time::sleep(self.delay(attempt, fastrand::f64())).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::{DomainError, ExternalKind};

    fn throttled() -> DomainError {
        DomainError::external("dynamodb", ExternalKind::Throttled, "slow down")
    }

    #[test]
    fn delays_grow_exponentially_up_to_the_cap_and_jitter_stays_within_half() {
        let policy = RetryPolicy {
            max_delay: Duration::from_secs(5),
            jitter: false,
            ..RetryPolicy::default()
        };
        let delays: Vec<u64> = (1..=5).map(|n| policy.delay(n, 0.0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
        let jittered = RetryPolicy::default();
        assert_eq!(jittered.delay(2, 0.0), Duration::from_secs(1));
        assert_eq!(jittered.delay(2, 0.999_999).as_millis(), 1999);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_retriable_errors_until_success() {
        let calls = AtomicU32::new(0);
        let result = RetryPolicy::default()
            .run(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(throttled()),
                    _ => Ok("done"),
                }
            })
            .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_attempts_with_the_last_error() {
        let calls = AtomicU32::new(0);
        let result: Result<()> = RetryPolicy::default()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(throttled())
            })
            .await;
        assert_eq!(result, Err(throttled()));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn never_retries_a_non_retriable_error() {
        let calls = AtomicU32::new(0);
        let result: Result<()> = RetryPolicy::default()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(DomainError::validation("symbol", "bad"))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
