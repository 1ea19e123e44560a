//! Log streams in memory; `next` tokens are offsets into the stream's events.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tradai_domain::ports::{LogEvent, LogPage, LogQuery, LogReader};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// Events per `(group, stream)`, in the order they were appended.
#[derive(Debug, Default)]
pub struct MemoryLogs {
    streams: Mutex<BTreeMap<(String, String), Vec<LogEvent>>>,
}

impl MemoryLogs {
    /// No streams.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append events to a stream (created when new), as a container's log driver would.
    pub fn append(&self, group: &str, stream: &str, events: impl IntoIterator<Item = LogEvent>) {
        lock(&self.streams)
            .entry((group.to_owned(), stream.to_owned()))
            .or_default()
            .extend(events);
    }
}

#[async_trait]
impl LogReader for MemoryLogs {
    async fn read(&self, group: &str, stream: &str, query: &LogQuery) -> Result<LogPage> {
        let streams = lock(&self.streams);
        let events = streams
            .get(&(group.to_owned(), stream.to_owned()))
            .ok_or_else(|| DomainError::not_found("log stream", format!("{group}/{stream}")))?;
        let offset = match &query.next {
            Some(token) => token.parse::<usize>().map_err(|_| {
                DomainError::validation(
                    "next",
                    format!("'{token}' is not a token this API returned"),
                )
            })?,
            None => 0,
        };
        let mut page = Vec::new();
        let mut position = offset;
        for event in events.iter().skip(offset) {
            if page.len() == query.limit {
                break;
            }
            position += 1;
            if query.since.is_none_or(|since| event.timestamp >= since) {
                page.push(event.clone());
            }
        }
        let next = (position < events.len()).then(|| position.to_string());
        Ok(LogPage { events: page, next })
    }
}
