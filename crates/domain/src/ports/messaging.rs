//! Queues, notifications and workflow executions.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::Result;

/// A message to send. FIFO queues need a group id; deduplication ids make sends idempotent for 5 minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub body: String,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
}

/// A received message; it stays invisible to others until deleted or its visibility timeout passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub message_id: String,
    /// Handle for delete / change visibility of this receive.
    pub receipt: String,
    pub body: String,
    /// How often the message has been received, this time included.
    pub receive_count: u32,
}

/// One queue (with its dead-letter redrive configured by the stack or harness).
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Send; returns the message id (for a deduplicated repeat, the original's id or a new one, never a copy).
    async fn send(&self, message: OutgoingMessage) -> Result<String>;
    /// Receive up to `max` messages, waiting up to `wait` for the first.
    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<ReceivedMessage>>;
    /// Acknowledge a processed message.
    async fn delete(&self, receipt: &str) -> Result<()>;
    /// Hide a received message for `timeout` from now (0 returns it to the queue at once).
    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<()>;
}

/// A notification published to a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMessage {
    pub subject: String,
    pub message: String,
    pub attributes: BTreeMap<String, String>,
}

/// One SNS topic.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Publish; returns the message id.
    async fn publish(&self, message: PublishedMessage) -> Result<String>;
}

/// Status of a workflow execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

/// One Step Functions state machine.
#[async_trait]
pub trait WorkflowStarter: Send + Sync {
    /// Start an execution named `name` (unique per state machine; repeating a name with the same input returns
    /// the same execution); returns its ARN.
    async fn start(&self, name: &str, input: &Value) -> Result<String>;
    /// The execution's status.
    async fn status(&self, execution_arn: &str) -> Result<ExecutionStatus>;
    /// Stop a running execution.
    async fn stop(&self, execution_arn: &str, cause: &str) -> Result<()>;
}
