//! A local SQS event source mapping (how the local platform and the tests drive the SQS consumers): receive
//! up to 10 messages, hand them to the handler as an SQS event, delete the ones it did not list in
//! `batchItemFailures`, and make the failed ones visible again at once (Lambda leaves them to their
//! visibility timeout). The queue's redrive policy moves a message to its dead-letter queue after the
//! configured receives.

use std::future::Future;
use std::time::Duration;

use serde_json::{json, Value};
use tradai_domain::ports::JobQueue;
use tradai_domain::Result;

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Poll {
    pub received: usize,
    pub deleted: usize,
    pub failed: usize,
}

/// Receive one batch from `queue` and run `handler` on it.
pub async fn poll<F, Fut>(queue: &dyn JobQueue, handler: F) -> Result<Poll>
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = Value>,
{
    let messages = queue.receive(10, Duration::ZERO).await?;
    if messages.is_empty() {
        return Ok(Poll::default());
    }
    let records: Vec<Value> = messages
        .iter()
        .map(|m| json!({"messageId": m.message_id, "body": m.body, "attributes": {"ApproximateReceiveCount": m.receive_count.to_string()}}))
        .collect();
    let answer = handler(json!({"Records": records})).await;
    let failed: Vec<&str> = answer["batchItemFailures"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["itemIdentifier"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut outcome = Poll {
        received: messages.len(),
        ..Poll::default()
    };
    for message in &messages {
        if failed.contains(&message.message_id.as_str()) {
            queue
                .change_visibility(&message.receipt, Duration::ZERO)
                .await?;
            outcome.failed += 1;
        } else {
            queue.delete(&message.receipt).await?;
            outcome.deleted += 1;
        }
    }
    Ok(outcome)
}
