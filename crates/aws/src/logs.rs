//! CloudWatch Logs streams (`GetLogEvents`, oldest first).

use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError;
use aws_sdk_cloudwatchlogs::Client;
use tradai_domain::ports::{LogEvent, LogPage, LogQuery, LogReader};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;

/// Log groups of the account.
#[derive(Debug)]
pub struct CloudWatchLogs {
    client: Client,
    policy: Arc<ResiliencePolicy>,
}

impl CloudWatchLogs {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::LOG_READER];

    /// Streams read through `client`.
    pub fn new(client: Client, policy: Arc<ResiliencePolicy>) -> Self {
        CloudWatchLogs { client, policy }
    }
}

#[async_trait]
impl LogReader for CloudWatchLogs {
    async fn read(&self, group: &str, stream: &str, query: &LogQuery) -> Result<LogPage> {
        let limit = i32::try_from(query.limit.clamp(1, 10_000)).unwrap_or(10_000);
        let answer = self
            .policy
            .protect(|| async {
                self.client
                    .get_log_events()
                    .log_group_name(group)
                    .log_stream_name(stream)
                    .start_from_head(true)
                    .set_start_time(query.since)
                    .set_next_token(query.next.clone())
                    .limit(limit)
                    .send()
                    .await
                    .map_err(|e| match e.as_service_error() {
                        Some(GetLogEventsError::ResourceNotFoundException(_)) => {
                            DomainError::not_found("log stream", format!("{group}/{stream}"))
                        }
                        _ => domain_error("logs", e),
                    })
            })
            .await?;
        let events: Vec<LogEvent> = answer
            .events()
            .iter()
            .map(|e| LogEvent {
                timestamp: e.timestamp().unwrap_or_default(),
                message: e.message().unwrap_or_default().to_owned(),
            })
            .collect();
        // The forward token repeats at the end of the stream; an empty page is the end too.
        let next = answer
            .next_forward_token()
            .filter(|token| !events.is_empty() && query.next.as_deref() != Some(*token))
            .map(str::to_owned);
        Ok(LogPage { events, next })
    }
}
