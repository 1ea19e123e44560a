//! SQS queues and SNS topics.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One SQS queue with its optional dead-letter queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// FIFO queue (name ends in `.fifo`; messages carry a group id and a deduplication id).
    pub fifo: bool,
    /// Seconds a received message stays hidden; at least 6 × the consuming Lambda's timeout.
    pub visibility_timeout_seconds: u32,
    /// Seconds a message is kept (60 to 1,209,600).
    pub message_retention_seconds: u32,
    /// Long-polling wait in seconds (0 to 20).
    #[serde(default = "long_poll")]
    pub receive_wait_seconds: u32,
    /// FIFO only: derive deduplication ids from the body (off: senders give explicit ids).
    #[serde(default)]
    pub content_based_deduplication: bool,
    /// Where messages go after `max_receive_count` failed receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<DeadLetterSpec>,
}

impl QueueSpec {
    /// How long a received message stays hidden.
    pub fn visibility_timeout(&self) -> Duration {
        Duration::from_secs(self.visibility_timeout_seconds.into())
    }

    /// How long a message is kept.
    pub fn message_retention(&self) -> Duration {
        Duration::from_secs(self.message_retention_seconds.into())
    }

    /// The long-polling wait of a receive.
    pub fn receive_wait(&self) -> Duration {
        Duration::from_secs(self.receive_wait_seconds.into())
    }
}

fn long_poll() -> u32 {
    20
}

/// The dead-letter queue of a queue (same FIFO-ness as its queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterSpec {
    /// Receives before a message moves to the DLQ (1 to 1000).
    pub max_receive_count: u32,
    /// Seconds the DLQ keeps a message (60 to 1,209,600).
    pub message_retention_seconds: u32,
}

/// One SNS topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// Display name shown in notifications.
    pub display_name: String,
}
