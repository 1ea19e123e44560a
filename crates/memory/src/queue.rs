//! An SQS queue in memory: FIFO groups, deduplication, visibility timeouts and dead-letter redrive.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tradai_config::QueueSpec;
use tradai_domain::ports::{JobQueue, OutgoingMessage, ReceivedMessage};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// How long SQS remembers a deduplication id.
const DEDUP_WINDOW: Duration = Duration::from_secs(300);
/// How often a long poll looks again.
const POLL: Duration = Duration::from_millis(20);

#[derive(Debug, Clone)]
struct Message {
    id: String,
    body: String,
    group: Option<String>,
    receive_count: u32,
    invisible_until: Option<Instant>,
    receipt: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    messages: Vec<Message>,
    dedup: HashMap<String, (String, Instant)>,
    /// Deduplication ids oldest first, so expiry looks only at the front.
    dedup_order: std::collections::VecDeque<(Instant, String)>,
}

/// One queue.
#[derive(Debug)]
pub struct MemoryQueue {
    name: String,
    fifo: bool,
    content_dedup: bool,
    visibility: Duration,
    dead_letter: Option<(Arc<MemoryQueue>, u32)>,
    state: Mutex<State>,
}

impl MemoryQueue {
    /// A queue without dead-letter queue.
    pub fn new(name: impl Into<String>, fifo: bool, visibility: Duration) -> Self {
        MemoryQueue {
            name: name.into(),
            fifo,
            content_dedup: false,
            visibility,
            dead_letter: None,
            state: Mutex::default(),
        }
    }

    /// A queue as the config defines it, with its dead-letter queue when it has one.
    pub fn from_spec(name: impl Into<String>, spec: &QueueSpec) -> Self {
        let name = name.into();
        let dead_letter = spec.dead_letter.as_ref().map(|dlq| {
            (
                Arc::new(MemoryQueue::new(
                    format!("{name}-dlq"),
                    spec.fifo,
                    spec.visibility_timeout(),
                )),
                dlq.max_receive_count,
            )
        });
        MemoryQueue {
            content_dedup: spec.content_based_deduplication,
            dead_letter,
            ..MemoryQueue::new(name, spec.fifo, spec.visibility_timeout())
        }
    }

    /// The dead-letter queue.
    pub fn dead_letter_queue(&self) -> Option<Arc<MemoryQueue>> {
        self.dead_letter
            .as_ref()
            .map(|(queue, _)| Arc::clone(queue))
    }

    /// Messages held (visible or in flight).
    pub fn len(&self) -> usize {
        lock(&self.state).messages.len()
    }

    /// Whether no message is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&self, mut message: Message) {
        message.receive_count = 0;
        message.invisible_until = None;
        message.receipt = None;
        lock(&self.state).messages.push(message);
    }

    fn take(&self, max: usize) -> Vec<ReceivedMessage> {
        let now = Instant::now();
        let mut state = lock(&self.state);
        let in_flight = |m: &Message| m.invisible_until.is_some_and(|t| t > now);
        let blocked: BTreeSet<String> = if self.fifo {
            state
                .messages
                .iter()
                .filter(|m| in_flight(m))
                .filter_map(|m| m.group.clone())
                .collect()
        } else {
            BTreeSet::new()
        };
        let mut taken = Vec::new();
        let mut index = 0;
        while index < state.messages.len() && taken.len() < max {
            let message = &state.messages[index];
            let skip =
                in_flight(message) || message.group.as_ref().is_some_and(|g| blocked.contains(g));
            if skip {
                index += 1;
                continue;
            }
            if let Some((dlq, max_receives)) = &self.dead_letter {
                if message.receive_count >= *max_receives {
                    dlq.push(state.messages.remove(index));
                    continue;
                }
            }
            let message = &mut state.messages[index];
            message.receive_count += 1;
            message.invisible_until = Some(now + self.visibility);
            let receipt = uuid::Uuid::new_v4().to_string();
            message.receipt = Some(receipt.clone());
            taken.push(ReceivedMessage {
                message_id: message.id.clone(),
                receipt,
                body: message.body.clone(),
                receive_count: message.receive_count,
            });
            index += 1;
        }
        taken
    }

    fn receipt_error(&self) -> DomainError {
        DomainError::validation(
            "receipt",
            format!(
                "not a current receipt of queue {} (deleted, or received again since)",
                self.name
            ),
        )
    }
}

#[async_trait]
impl JobQueue for MemoryQueue {
    async fn send(&self, message: OutgoingMessage) -> Result<String> {
        let dedup = match (
            self.fifo,
            message.group_id.as_ref(),
            message.dedup_id.clone(),
        ) {
            (true, None, _) => {
                return Err(DomainError::validation(
                    "group_id",
                    format!("FIFO queue {} needs a message group id", self.name),
                ))
            }
            (true, Some(_), Some(id)) => Some(id),
            (true, Some(_), None) if self.content_dedup => Some(format!("body:{}", message.body)),
            (true, Some(_), None) => {
                return Err(DomainError::validation(
                    "dedup_id",
                    format!(
                        "FIFO queue {} has no content-based deduplication: give a deduplication id",
                        self.name
                    ),
                ))
            }
            (false, _, _) => None,
        };
        let now = Instant::now();
        let mut state = lock(&self.state);
        while let Some((at, key)) = state.dedup_order.front().cloned() {
            if now.duration_since(at) < DEDUP_WINDOW {
                break;
            }
            state.dedup_order.pop_front();
            if state
                .dedup
                .get(&key)
                .is_some_and(|(_, stored)| *stored == at)
            {
                state.dedup.remove(&key);
            }
        }
        if let Some((id, _)) = dedup.as_ref().and_then(|d| state.dedup.get(d)) {
            return Ok(id.clone());
        }
        let id = uuid::Uuid::new_v4().to_string();
        if let Some(dedup) = dedup {
            state.dedup_order.push_back((now, dedup.clone()));
            state.dedup.insert(dedup, (id.clone(), now));
        }
        let group = if self.fifo { message.group_id } else { None };
        state.messages.push(Message {
            id: id.clone(),
            body: message.body,
            group,
            receive_count: 0,
            invisible_until: None,
            receipt: None,
        });
        Ok(id)
    }

    async fn receive(&self, max: u32, wait: Duration) -> Result<Vec<ReceivedMessage>> {
        if !(1..=10).contains(&max) {
            return Err(DomainError::validation(
                "max",
                format!("{max} messages per receive; allowed 1 to 10"),
            ));
        }
        let deadline = Instant::now() + wait;
        loop {
            let taken = self.take(max as usize);
            if !taken.is_empty() || Instant::now() >= deadline {
                return Ok(taken);
            }
            tokio::time::sleep(POLL.min(deadline - Instant::now())).await;
        }
    }

    async fn delete(&self, receipt: &str) -> Result<()> {
        let mut state = lock(&self.state);
        let index = state
            .messages
            .iter()
            .position(|m| m.receipt.as_deref() == Some(receipt))
            .ok_or_else(|| self.receipt_error())?;
        state.messages.remove(index);
        Ok(())
    }

    async fn change_visibility(&self, receipt: &str, timeout: Duration) -> Result<()> {
        let mut state = lock(&self.state);
        let message = state
            .messages
            .iter_mut()
            .find(|m| m.receipt.as_deref() == Some(receipt))
            .ok_or_else(|| self.receipt_error())?;
        message.invisible_until = Some(Instant::now() + timeout);
        Ok(())
    }
}
