//! Ports: one trait per capability. Each has an AWS adapter (`tradai-aws`) and an in-memory twin
//! (`tradai-memory`), run through one contract suite (`tradai-test-support`).

mod executor;
mod jobs;
mod layout;
pub mod lifecycle;
mod logs;
mod market;
mod messaging;
mod network;
mod objects;
mod records;
mod registry;
mod tasks;
mod transaction;

pub use executor::{job_message, workflow_input, Executor, BACKEND_STARTED_BY};
pub use jobs::{
    held_by, lease_ended, unclaimed, JobRepository, JobUpdate, Transition, LEASE_SECONDS,
    STATUS_INDEX, TRACE_INDEX,
};
pub use layout::{IndexLayout, TableLayout};
pub use logs::{LogEvent, LogPage, LogQuery, LogReader};
pub use market::{CandleSource, MarketStore, NoMarketData, Series, Span};
pub use messaging::{
    ExecutionStatus, JobQueue, Notifier, OutgoingMessage, PublishedMessage, ReceivedMessage,
    WorkflowStarter,
};
pub use network::{GroupInstance, LifecycleAction, LifecycleResult, NatRouting};
pub use objects::{Expected, ObjectStore, StoredObject};
pub use records::{Condition, Guarded, Order, Page, RecordKey, RecordStore};
pub use registry::{
    Experiment, LoggedRun, ModelRegistry, NewRun, NewVersion, NoRegistry, RegisteredModel,
    RunSummary,
};
pub use tasks::{TaskFilter, TaskInfo, TaskNetwork, TaskRequest, TaskRunner};
pub use transaction::{Created, NewRecord, Transactor};
