//! Consecutive-failure tracking shared by health-check and trading-heartbeat-check: each check is a row of the
//! health-state table (with a TTL); an alert goes out once when the failures in a row reach the threshold, and
//! once more when the subject recovers after having alerted.

use std::collections::BTreeMap;

use tradai_domain::entities::{HealthRecord, HealthState, Timestamp};
use tradai_domain::ports::{Notifier, PublishedMessage, RecordKey, RecordStore};

use crate::HandlerError;

/// Where results go and when to alert.
pub struct Tracker<'a> {
    pub records: &'a dyn RecordStore<HealthRecord>,
    pub notifier: &'a dyn Notifier,
    /// Failures in a row that raise an alert.
    pub threshold: u32,
    pub ttl_seconds: i64,
}

impl std::fmt::Debug for Tracker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The row key (`backend-api`, `heartbeat#<strategy_id>`).
    pub subject: String,
    pub healthy: bool,
    pub latency_ms: Option<u64>,
    /// Why it is not healthy (or a note when it is).
    pub message: Option<String>,
}

/// What recording a check led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub consecutive_failures: u32,
    pub alerted: bool,
}

impl Tracker<'_> {
    /// Record `check` at `now`, alerting at the threshold and on recovery.
    pub async fn record(&self, check: &Check, now: Timestamp) -> Result<Recorded, HandlerError> {
        let previous = self
            .records
            .get(&RecordKey::partition(&check.subject))
            .await?
            .map_or(0, |r| r.consecutive_failures);
        let failures = if check.healthy { 0 } else { previous + 1 };
        self.records
            .put(&HealthRecord {
                service_name: check.subject.clone(),
                status: if check.healthy {
                    HealthState::Healthy
                } else {
                    HealthState::Unhealthy
                },
                consecutive_failures: failures,
                last_checked: now,
                latency_ms: check.latency_ms,
                message: check.message.clone(),
                ttl: now.epoch_seconds() + self.ttl_seconds,
            })
            .await?;
        let subject = &check.subject;
        let alert = if !check.healthy && failures == self.threshold {
            Some((
                format!("[ERROR] {subject} is unhealthy"),
                format!(
                    "{subject} failed {failures} checks in a row: {}",
                    check.message.as_deref().unwrap_or("-")
                ),
            ))
        } else if check.healthy && previous >= self.threshold {
            Some((
                format!("[INFO] {subject} recovered"),
                format!("{subject} is healthy again after {previous} failed checks"),
            ))
        } else {
            None
        };
        let alerted = match alert {
            Some((subject, message)) => self.alert(subject, message).await,
            None => false,
        };
        Ok(Recorded {
            consecutive_failures: failures,
            alerted,
        })
    }

    async fn alert(&self, subject: String, message: String) -> bool {
        let message = PublishedMessage {
            subject,
            message,
            attributes: BTreeMap::new(),
        };
        crate::alert(self.notifier, message).await
    }
}
