//! trading-heartbeat-check (§10.2 #11, §10.3): every session of the trading-state table in `warmup` or
//! `running` (read through its `status-updated_at-index`, decision B9) is stale when its `last_heartbeat` is
//! missing or older than `HEARTBEAT_THRESHOLD_MINUTES`. Each result is a `heartbeat#<strategy_id>` row of the
//! health table with consecutive-failure tracking: an alert at `CONSECUTIVE_FAILURES_THRESHOLD` stale checks in
//! a row, and one on recovery. Each check emits `StaleHeartbeats`, the number of stale sessions.

use std::sync::Arc;

use serde::Serialize;
use tradai_config::metrics::{self, Emitter, Metric, Point};
use tradai_config::Function;
use tradai_domain::entities::{HealthRecord, Timestamp, TradingSession};
use tradai_domain::ports::{Notifier, Order, RecordStore};
use tradai_domain::TradingStatus;

use crate::failures::{Check, Tracker};
use crate::HandlerError;

/// The trading-state index by status.
pub const STATUS_INDEX: &str = "status-updated_at-index";

/// Settings (`HEARTBEAT_THRESHOLD_MINUTES`, `CONSECUTIVE_FAILURES_THRESHOLD`, `DYNAMODB_TTL_SECONDS`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub threshold_minutes: i64,
    pub failures_threshold: u32,
    pub ttl_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold_minutes: 2,
            failures_threshold: 2,
            ttl_seconds: 604_800,
        }
    }
}

/// The trading-heartbeat-check handler: the trading-state and health-state tables (neither is among the
/// platform's ports), its alerts topic, where its metrics go, and its settings.
#[derive(Clone)]
pub struct TradingHeartbeatCheck {
    pub sessions: Arc<dyn RecordStore<TradingSession>>,
    pub health: Arc<dyn RecordStore<HealthRecord>>,
    pub notifier: Arc<dyn Notifier>,
    pub metrics: Option<Emitter>,
    pub settings: Settings,
}

crate::handler_debug!(TradingHeartbeatCheck, settings);

impl TradingHeartbeatCheck {
    /// The check reading `sessions` (the trading-state table), recording in `health` (the health-state table)
    /// and alerting on `notifier` (the function's alerts topic); none of them is among the platform's ports. It
    /// emits through `metrics`.
    pub fn new(
        sessions: Arc<dyn RecordStore<TradingSession>>,
        health: Arc<dyn RecordStore<HealthRecord>>,
        notifier: Arc<dyn Notifier>,
        metrics: Option<Emitter>,
        settings: Settings,
    ) -> Self {
        TradingHeartbeatCheck {
            sessions,
            health,
            notifier,
            metrics,
            settings,
        }
    }
}

/// The answer: how many sessions were checked, how many are stale, the alerts sent, and each session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub checked: usize,
    pub stale: usize,
    pub alerts_sent: usize,
    pub sessions: Vec<SessionHeartbeat>,
}

/// One session's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionHeartbeat {
    pub strategy_id: String,
    /// `warmup` or `running`.
    pub status: String,
    pub stale: bool,
    pub consecutive_failures: u32,
    pub message: Option<String>,
}

/// Every session in `status`, page by page.
async fn sessions(
    store: &dyn RecordStore<TradingSession>,
    status: TradingStatus,
) -> Result<Vec<TradingSession>, HandlerError> {
    let (mut out, mut after) = (Vec::new(), None);
    loop {
        let page = store
            .query_index(
                STATUS_INDEX,
                &status.to_string(),
                Order::OldestFirst,
                100,
                after.as_deref(),
            )
            .await?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

/// Whether `session`'s heartbeat is stale at `now`, and why.
fn staleness(session: &TradingSession, now: Timestamp, threshold_minutes: i64) -> Check {
    let subject = format!("heartbeat#{}", session.strategy_id);
    match session.last_heartbeat {
        None => Check {
            subject,
            healthy: false,
            latency_ms: None,
            message: Some(format!(
                "{} has never sent a heartbeat",
                session.strategy_id
            )),
        },
        Some(beat) => {
            let seconds = now.epoch_seconds() - beat.epoch_seconds();
            let healthy = seconds <= threshold_minutes * 60;
            Check {
                subject,
                healthy,
                latency_ms: None,
                message: Some(format!(
                    "last heartbeat {seconds} s ago ({beat}); the limit is {threshold_minutes} min"
                )),
            }
        }
    }
}

impl crate::registry::Handler for TradingHeartbeatCheck {
    const FUNCTION: Function = Function::TradingHeartbeatCheck;
    const EMITS: &'static [Metric] = &[metrics::STALE_HEARTBEATS];
    type Input = serde::de::IgnoredAny;
    type Output = Checked;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            ports.sessions.clone(),
            ports.health.clone(),
            ports.notifier.clone(),
            extras.metrics.clone(),
            settings,
        ))
    }

    /// Check every active session at `now` (the scheduled event says nothing more).
    async fn handle(
        &self,
        _: serde::de::IgnoredAny,
        now: Timestamp,
    ) -> Result<Checked, HandlerError> {
        let s = &self.settings;
        let tracker = Tracker {
            records: self.health.as_ref(),
            notifier: self.notifier.as_ref(),
            threshold: s.failures_threshold,
            ttl_seconds: s.ttl_seconds,
        };
        let (mut results, mut stale, mut alerts) = (Vec::new(), 0, 0);
        for status in [TradingStatus::Warmup, TradingStatus::Running] {
            for session in sessions(self.sessions.as_ref(), status).await? {
                let check = staleness(&session, now, s.threshold_minutes);
                let recorded = tracker.record(&check, now).await?;
                stale += usize::from(!check.healthy);
                alerts += usize::from(recorded.alerted);
                results.push(SessionHeartbeat {
                    strategy_id: session.strategy_id,
                    status: status.to_string(),
                    stale: !check.healthy,
                    consecutive_failures: recorded.consecutive_failures,
                    message: check.message,
                });
            }
        }
        crate::metrics::emit(
            self.metrics.as_ref(),
            now,
            &[Point::new().value(metrics::STALE_HEARTBEATS, stale as f64)],
        );
        Ok(Checked {
            checked: results.len(),
            stale,
            alerts_sent: alerts,
            sessions: results,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tradai_domain::entities::TradingMode;
    use tradai_domain::ports::{RecordKey, TableLayout};
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use super::*;
    use crate::metrics::testing::{described, Captured};
    use crate::registry::Serve;

    fn session(id: &str, status: TradingStatus, beat: Option<Timestamp>) -> TradingSession {
        TradingSession {
            strategy_id: id.into(),
            status,
            mode: TradingMode::DryRun,
            last_heartbeat: beat,
            task_arn: None,
            model_version: None,
            updated_at: Timestamp::now(),
        }
    }

    #[tokio::test]
    async fn flags_stale_and_silent_sessions_alerting_at_the_threshold() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let table = |key: &str| TableLayout::from_spec(key, &config.settings().tables[key]);
        let sessions = Arc::new(MemoryRecordStore::<TradingSession>::new(table(
            "trading-state",
        )));
        let health = Arc::new(MemoryRecordStore::<HealthRecord>::new(table(
            "health-state",
        )));
        let notifier = Arc::new(MemoryNotifier::new());
        let now = Timestamp::now();
        for s in [
            session("fresh", TradingStatus::Running, Some(now.plus_seconds(-60))),
            session("late", TradingStatus::Running, Some(now.plus_seconds(-180))),
            session("silent", TradingStatus::Warmup, None),
            session("paused", TradingStatus::Paused, None),
        ] {
            sessions.put(&s).await.expect("put");
        }
        let captured = Captured::default();
        let heartbeat = TradingHeartbeatCheck::new(
            sessions.clone(),
            health.clone(),
            notifier.clone(),
            captured.emitter(),
            Settings::default(),
        );
        let check = || async {
            let answer: Value = heartbeat.serve(json!({}), now, "dev").await.expect("check");
            answer["body"]["data"].clone()
        };
        let first = check().await;
        assert_eq!(
            (&first["checked"], &first["stale"], &first["alerts_sent"]),
            (&json!(3), &json!(2), &json!(0)),
            "paused sessions are not checked; one stale check is below the threshold: {first}"
        );
        assert_eq!(
            described(&captured.take()),
            ["TradAI/StaleHeartbeats{Environment=dev} 2 Count"]
        );
        let silent = first["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .find(|s| s["strategy_id"] == "silent")
            .expect("silent");
        assert_eq!(
            silent,
            &json!({"strategy_id": "silent", "status": "warmup", "stale": true, "consecutive_failures": 1,
                    "message": "silent has never sent a heartbeat"})
        );
        let second = check().await;
        assert_eq!(second["alerts_sent"], 2, "{second}");
        let subjects: Vec<String> = notifier
            .published()
            .into_iter()
            .map(|m| m.subject)
            .collect();
        assert!(
            subjects.contains(&"[ERROR] heartbeat#late is unhealthy".to_owned()),
            "{subjects:?}"
        );
        let row = health
            .get(&RecordKey::partition("heartbeat#silent"))
            .await
            .expect("get")
            .expect("row");
        assert_eq!(row.consecutive_failures, 2);
        assert_eq!(row.ttl, now.epoch_seconds() + 604_800);

        // The late session beats again: it recovers with one INFO alert; a third stale check alerts no more.
        sessions
            .put(&session("late", TradingStatus::Running, Some(now)))
            .await
            .expect("put");
        let third = check().await;
        assert_eq!(
            (&third["stale"], &third["alerts_sent"]),
            (&json!(1), &json!(1)),
            "{third}"
        );
        let emitted = described(&captured.take());
        assert_eq!(
            emitted.last().map(String::as_str),
            Some("TradAI/StaleHeartbeats{Environment=dev} 1 Count"),
            "one line per check: {emitted:?}"
        );
        assert_eq!(emitted.len(), 2, "the second and the third check");
        assert_eq!(
            notifier.published().last().map(|m| m.subject.clone()),
            Some("[INFO] heartbeat#late recovered".to_owned())
        );
    }
}
