//! Ports: one trait per capability. Each has an AWS adapter (`tradai-aws`) and an in-memory twin
//! (`tradai-memory`), run through one contract suite (`tradai-test-support`).

mod jobs;
mod messaging;
mod objects;
mod records;
mod tasks;

pub use jobs::{JobRepository, JobUpdate, Transition};
pub use messaging::{
    ExecutionStatus, JobQueue, Notifier, OutgoingMessage, PublishedMessage, ReceivedMessage,
    WorkflowStarter,
};
pub use objects::{ObjectStore, StoredObject};
pub use records::{Guarded, Order, Page, RecordKey, RecordStore};
pub use tasks::{TaskFilter, TaskInfo, TaskRequest, TaskRunner};
