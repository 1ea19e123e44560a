//! Contract suites: the behaviour every adapter of a port must show. Each takes freshly provisioned adapters
//! and panics with a description of the first broken expectation.

mod attempts;
mod logs;
mod market;
mod messaging;
mod objects;
mod records;
mod registry;
mod tasks;
mod transactions;

pub use attempts::job_attempts;
pub use logs::{log_base, log_reader, sample_events};
pub use market::{concurrent_market_writers, funding_history};
pub use messaging::{
    crash_and_redelivery, dead_letter_after_max_receives, fifo_queue, notifier, standard_queue,
    workflow_starter,
};
pub use objects::object_store;
pub use records::{job_repository, sorted_records, trading_sessions, ttl_records};
pub use registry::{model_registry, promotion};
pub use tasks::task_runner;
pub use transactions::transactions;
