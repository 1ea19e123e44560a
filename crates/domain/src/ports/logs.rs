//! The log-reading port (CloudWatch Logs): the events of one stream, oldest first, in pages.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    /// When it was logged, ms since the epoch.
    pub timestamp: i64,
    pub message: String,
}

/// A page of events and where the next page starts (`None` at the end of the stream).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next: Option<String>,
}

/// Which events to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogQuery {
    /// Only events at or after this time (ms).
    pub since: Option<i64>,
    /// Events per page (1 to 10,000).
    pub limit: usize,
    /// The `next` of the previous page.
    pub next: Option<String>,
}

/// Log streams in log groups.
#[async_trait]
pub trait LogReader: Send + Sync {
    /// Events of `stream` in `group`, oldest first; `NotFound` if the group or stream does not exist.
    async fn read(&self, group: &str, stream: &str, query: &LogQuery) -> Result<LogPage>;
}
