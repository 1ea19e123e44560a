//! One SQS queue of the canonical config (or its dead-letter queue).

use std::sync::Arc;
use std::time::Duration;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use aws_sdk_sqs::Client;
use tradai_config::Config;
use tradai_domain::ports::{JobQueue, OutgoingMessage, ReceivedMessage};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;

/// A queue, by URL.
#[derive(Debug)]
pub struct SqsQueue {
    client: Client,
    url: String,
    policy: Arc<ResiliencePolicy>,
}

impl SqsQueue {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[
        &access::QUEUE_LOOKUP,
        &access::QUEUE_SEND,
        &access::QUEUE_CONSUME,
    ];

    /// A queue whose URL is known (from a stack output or an environment variable).
    pub fn new(client: Client, url: String, policy: Arc<ResiliencePolicy>) -> Self {
        SqsQueue {
            client,
            url,
            policy,
        }
    }

    /// `queues.<key>` of the config, or its dead-letter queue, looked up by name.
    pub async fn lookup(
        client: Client,
        config: &Config,
        key: &str,
        dead_letter: bool,
        policy: Arc<ResiliencePolicy>,
    ) -> Result<Self> {
        let spec = config.settings().queues.get(key).ok_or_else(|| {
            DomainError::Configuration(format!("the config has no queue '{key}'"))
        })?;
        let name = if dead_letter {
            config.names().dead_letter_queue(key, spec.fifo)
        } else {
            config.names().queue(key, spec.fifo)
        };
        let output = policy
            .protect(|| async {
                client
                    .get_queue_url()
                    .queue_name(name.as_str())
                    .send()
                    .await
                    .map_err(|e| domain_error("sqs", e))
            })
            .await?;
        let url = output
            .queue_url()
            .ok_or_else(|| DomainError::Configuration(format!("queue {name} has no URL")))?
            .to_owned();
        Ok(SqsQueue::new(client, url, policy))
    }

    /// The queue URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn send(&self, message: OutgoingMessage) -> Result<String> {
        let output = self
            .policy
            .protect(|| async {
                self.client
                    .send_message()
                    .queue_url(&self.url)
                    .message_body(&message.body)
                    .set_message_group_id(message.group_id.clone())
                    .set_message_deduplication_id(message.dedup_id.clone())
                    .send()
                    .await
                    .map_err(|e| domain_error("sqs", e))
            })
            .await?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }

    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<ReceivedMessage>> {
        if !(1..=10).contains(&max) {
            return Err(DomainError::validation(
                "max",
                format!("{max} messages per receive; allowed 1 to 10"),
            ));
        }
        let output = self
            .policy
            .protect(|| async {
                self.client
                    .receive_message()
                    .queue_url(&self.url)
                    .max_number_of_messages(i32::try_from(max).unwrap_or(10))
                    .wait_time_seconds(seconds(wait).min(20))
                    .message_system_attribute_names(
                        MessageSystemAttributeName::ApproximateReceiveCount,
                    )
                    .send()
                    .await
                    .map_err(|e| domain_error("sqs", e))
            })
            .await?;
        Ok(output
            .messages()
            .iter()
            .map(|m| ReceivedMessage {
                message_id: m.message_id().unwrap_or_default().to_owned(),
                receipt: m.receipt_handle().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
            })
            .collect())
    }

    async fn delete(&self, receipt: &str) -> Result<()> {
        self.policy
            .protect(|| async {
                self.client
                    .delete_message()
                    .queue_url(&self.url)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .map_err(|e| domain_error("sqs", e))
            })
            .await?;
        Ok(())
    }

    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<()> {
        self.policy
            .protect(|| async {
                self.client
                    .change_message_visibility()
                    .queue_url(&self.url)
                    .receipt_handle(receipt)
                    .visibility_timeout(seconds(timeout))
                    .send()
                    .await
                    .map_err(|e| domain_error("sqs", e))
            })
            .await?;
        Ok(())
    }
}
