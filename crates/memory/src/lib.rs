//! `tradai-memory`: in-memory twins of the AWS adapters, for the local platform and fast tests. They keep the
//! semantics that matter (conditional writes, TTL, FIFO groups, deduplication, visibility timeouts, dead-letter
//! redrive) and pass the same contract suite as the AWS adapters.

mod logs;
mod network;
mod notifier;
mod objects;
mod queue;
mod records;
mod registry;
mod tasks;
mod transaction;
mod workflows;

pub use logs::MemoryLogs;
pub use network::MemoryNatRouting;
pub use notifier::MemoryNotifier;
pub use objects::MemoryObjectStore;
pub use queue::MemoryQueue;
pub use records::{MemoryRecordStore, MemoryTable};
pub use registry::MemoryModelRegistry;
pub use tasks::MemoryTaskRunner;
pub use transaction::MemoryTransactor;
pub use workflows::MemoryWorkflows;

/// Lock a mutex, recovering the data if a panicking thread poisoned it.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
