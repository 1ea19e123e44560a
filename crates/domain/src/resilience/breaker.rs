//! A circuit breaker: after `failure_threshold` consecutive retriable failures it opens and rejects calls for
//! `recovery_timeout`; then one trial call (half-open) decides whether it closes again.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{DomainError, ExternalKind, Result};

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are rejected until the recovery timeout passes.
    Open,
    /// One trial call is allowed.
    HalfOpen,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: u32,
    opened_at: Option<Instant>,
    trial_in_flight: bool,
}

/// A circuit breaker for one dependency.
#[derive(Debug)]
pub struct CircuitBreaker {
    service: String,
    failure_threshold: u32,
    recovery_timeout: Duration,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// A closed breaker for `service`.
    pub fn new(
        service: impl Into<String>,
        failure_threshold: u32,
        recovery_timeout: Duration,
    ) -> Self {
        CircuitBreaker {
            service: service.into(),
            failure_threshold: failure_threshold.max(1),
            recovery_timeout,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                opened_at: None,
                trial_in_flight: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current state (an open breaker whose timeout has passed reports half-open).
    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match (inner.state, inner.opened_at) {
            (BreakerState::Open, Some(at)) if at.elapsed() >= self.recovery_timeout => {
                BreakerState::HalfOpen
            }
            (state, _) => state,
        }
    }

    /// Ask to make a call: a [`Permit`] to record its outcome with, or `Err(CircuitOpen)` while open or while a
    /// half-open trial is running. A permit dropped unrecorded (its call cancelled: a client gone, a timeout)
    /// releases the trial it held, so the breaker is not left refusing every call forever.
    pub fn acquire(&self) -> Result<Permit<'_>> {
        self.begin().map(|trial| Permit {
            breaker: self,
            trial,
            recorded: false,
        })
    }

    /// Whether a call may start, and whether it is the half-open trial.
    fn begin(&self) -> Result<bool> {
        let mut inner = self.lock();
        if inner.state == BreakerState::Open
            && inner
                .opened_at
                .is_some_and(|at| at.elapsed() >= self.recovery_timeout)
        {
            inner.state = BreakerState::HalfOpen;
        }
        match inner.state {
            BreakerState::Closed => Ok(false),
            BreakerState::HalfOpen if !inner.trial_in_flight => {
                inner.trial_in_flight = true;
                Ok(true)
            }
            _ => Err(DomainError::external(
                &self.service,
                ExternalKind::CircuitOpen,
                format!(
                    "circuit open after {} consecutive failures; retry after {:?}",
                    self.failure_threshold, self.recovery_timeout
                ),
            )),
        }
    }

    /// Record the outcome of an acquired call. Only retriable failures count against the dependency.
    fn record(&self, outcome: &Result<impl Sized>) {
        let mut inner = self.lock();
        inner.trial_in_flight = false;
        match outcome {
            Err(err) if err.is_retriable() => {
                inner.failures += 1;
                if inner.state == BreakerState::HalfOpen || inner.failures >= self.failure_threshold
                {
                    inner.state = BreakerState::Open;
                    inner.opened_at = Some(Instant::now());
                }
            }
            _ => {
                inner.failures = 0;
                inner.state = BreakerState::Closed;
                inner.opened_at = None;
            }
        }
    }
}

/// The right to make one call through a [`CircuitBreaker`]; record the call's outcome with it.
#[derive(Debug)]
#[must_use = "record the call's outcome with the permit"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    recorded: bool,
}

impl Permit<'_> {
    /// Record the outcome of the call this permit allowed.
    pub fn record(mut self, outcome: &Result<impl Sized>) {
        self.recorded = true;
        self.breaker.record(outcome);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.trial && !self.recorded {
            // The trial never finished: let the next caller make it.
            self.breaker.lock().trial_in_flight = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> Result<()> {
        Err(DomainError::external(
            "mlflow",
            ExternalKind::Unavailable,
            "503",
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_the_threshold_rejects_then_half_opens_after_the_timeout() {
        let breaker = CircuitBreaker::new("mlflow", 3, Duration::from_secs(30));
        for _ in 0..3 {
            breaker.acquire().expect("closed").record(&failure());
        }
        assert_eq!(breaker.state(), BreakerState::Open);
        let err = breaker.acquire().expect_err("open");
        assert!(
            matches!(
                err,
                DomainError::External {
                    kind: ExternalKind::CircuitOpen,
                    ..
                }
            ),
            "{err}"
        );
        tokio::time::advance(Duration::from_secs(31)).await;
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        let trial = breaker.acquire().expect("one trial");
        assert!(breaker.acquire().is_err(), "only one trial at a time");
        trial.record(&Ok::<(), DomainError>(()));
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_trial_lets_the_next_caller_try() {
        let breaker = CircuitBreaker::new("mlflow", 1, Duration::from_secs(30));
        breaker.acquire().expect("closed").record(&failure());
        tokio::time::advance(Duration::from_secs(31)).await;
        // The trial's call is cancelled (its future dropped mid-flight): nothing is recorded.
        let call = async {
            let _trial = breaker.acquire().expect("the trial");
            std::future::pending::<()>().await;
        };
        assert!(
            tokio::time::timeout(Duration::from_secs(1), call)
                .await
                .is_err(),
            "cancelled"
        );
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        breaker
            .acquire()
            .expect("a new trial, not open forever")
            .record(&Ok::<(), DomainError>(()));
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_trial_reopens_and_non_retriable_errors_do_not_count() {
        let breaker = CircuitBreaker::new("s3", 1, Duration::from_secs(10));
        breaker
            .acquire()
            .expect("closed")
            .record(&Err::<(), _>(DomainError::validation("key", "bad")));
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "a validation error says nothing about S3's health"
        );
        breaker.acquire().expect("closed").record(&failure());
        tokio::time::advance(Duration::from_secs(10)).await;
        breaker.acquire().expect("trial").record(&failure());
        assert_eq!(breaker.state(), BreakerState::Open);
    }
}
