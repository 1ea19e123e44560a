//! Resilience for every call that crosses a network (reference §13): retries with capped exponential backoff and
//! jitter for retriable errors, and a circuit breaker that stops calling a failing dependency for a while.

mod breaker;
mod policy;
mod retry;

pub use breaker::{BreakerState, CircuitBreaker, Permit};
pub use policy::ResiliencePolicy;
pub use retry::RetryPolicy;
