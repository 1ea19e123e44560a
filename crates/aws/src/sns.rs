//! One SNS topic.

use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sns::Client;
use tradai_domain::ports::{Notifier, PublishedMessage};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;

/// A topic, by ARN (the stacks hand ARNs to the services and Lambdas).
#[derive(Debug)]
pub struct SnsNotifier {
    client: Client,
    topic_arn: String,
    policy: Arc<ResiliencePolicy>,
}

impl SnsNotifier {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::NOTIFIER];

    /// The topic `topic_arn`.
    pub fn new(client: Client, topic_arn: String, policy: Arc<ResiliencePolicy>) -> Self {
        SnsNotifier {
            client,
            topic_arn,
            policy,
        }
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn publish(&self, message: PublishedMessage) -> Result<String> {
        let mut attributes = std::collections::HashMap::new();
        for (name, value) in &message.attributes {
            let attribute = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| DomainError::validation("attributes", e.to_string()))?;
            attributes.insert(name.clone(), attribute);
        }
        let output = self
            .policy
            .protect(|| async {
                self.client
                    .publish()
                    .topic_arn(&self.topic_arn)
                    .subject(&message.subject)
                    .message(&message.message)
                    .set_message_attributes(Some(attributes.clone()))
                    .send()
                    .await
                    .map_err(|e| domain_error("sns", e))
            })
            .await?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }
}
