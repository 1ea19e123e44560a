//! An SNS topic in memory, fanning out to subscribed queues as SNS does to SQS.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tradai_domain::ports::{JobQueue, Notifier, OutgoingMessage, PublishedMessage};
use tradai_domain::Result;

use crate::lock;

/// A topic that remembers what was published.
#[derive(Default)]
pub struct MemoryNotifier {
    published: Mutex<Vec<PublishedMessage>>,
    subscribers: Mutex<Vec<Arc<dyn JobQueue>>>,
}

impl std::fmt::Debug for MemoryNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryNotifier")
            .field("published", &lock(&self.published).len())
            .finish()
    }
}

impl MemoryNotifier {
    /// A topic with no subscriber.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deliver every later message to `queue` too (its body is the message text, as with raw delivery).
    pub fn subscribe(&self, queue: Arc<dyn JobQueue>) {
        lock(&self.subscribers).push(queue);
    }

    /// Everything published so far.
    pub fn published(&self) -> Vec<PublishedMessage> {
        lock(&self.published).clone()
    }
}

#[async_trait]
impl Notifier for MemoryNotifier {
    async fn publish(&self, message: PublishedMessage) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let subscribers: Vec<Arc<dyn JobQueue>> = lock(&self.subscribers).clone();
        for queue in subscribers {
            queue
                .send(OutgoingMessage {
                    body: message.message.clone(),
                    group_id: None,
                    dedup_id: None,
                })
                .await?;
        }
        lock(&self.published).push(message);
        Ok(id)
    }
}
