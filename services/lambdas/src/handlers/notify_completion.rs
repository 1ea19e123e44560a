//! notify-completion (§10.2 #15, §10.3): publish a notification to the alerts topic. INFO and WARNING repeats
//! of the same type about the same model or strategy are throttled for `NOTIFICATION_THROTTLE_MINUTES`
//! (the notifications table remembers the last one, expiring by TTL); ERROR and CRITICAL always go out.
//! Slack is off (`ENABLE_SLACK` is not supported yet: decision B4).

use std::collections::BTreeMap;

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use tradai_config::Function;
use tradai_domain::entities::{Notification, NotificationRecord, Timestamp};
use tradai_domain::ports::{Notifier, PublishedMessage, RecordKey, RecordStore};

use crate::registry::Handler;
use crate::HandlerError;

/// Sent, or throttled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub sent: bool,
    pub throttled: bool,
    pub throttle_key: String,
    /// The SNS message id (null when throttled).
    pub sns: Option<String>,
    pub slack: bool,
}

/// notify-completion: the alerts topic, the notifications table, and the throttle window.
#[derive(Clone)]
pub struct NotifyCompletion {
    pub notifier: Arc<dyn Notifier>,
    pub sent: Arc<dyn RecordStore<NotificationRecord>>,
    /// `NOTIFICATION_THROTTLE_MINUTES`.
    pub throttle_minutes: i64,
}

crate::handler_debug!(NotifyCompletion, throttle_minutes);

impl NotifyCompletion {
    /// Publishing to `alerts` (the function's topic), remembering in the platform's notifications table.
    pub fn new(
        ports: &tradai_platform::Ports,
        alerts: Arc<dyn Notifier>,
        throttle_minutes: i64,
    ) -> Self {
        NotifyCompletion {
            notifier: alerts,
            sent: ports.notifications.clone(),
            throttle_minutes,
        }
    }
}

impl Handler for NotifyCompletion {
    const FUNCTION: Function = Function::NotifyCompletion;
    type Input = Notification;
    type Output = Output;
    type Settings = i64;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(ports, ports.notifier.clone(), settings))
    }

    async fn handle(
        &self,
        notification: Notification,
        now: Timestamp,
    ) -> Result<Output, HandlerError> {
        send(self, notification, now).await
    }
}

/// Send (or throttle) `notification` at `now`.
async fn send(
    deps: &NotifyCompletion,
    notification: Notification,
    now: Timestamp,
) -> Result<Output, HandlerError> {
    let key = notification.throttle_key();
    let window = deps.throttle_minutes * 60;
    if notification.severity.is_throttled() {
        if let Some(last) = deps.sent.get(&RecordKey::partition(&key)).await? {
            if now.epoch_seconds() - last.sent_at.epoch_seconds() < window {
                return Ok(Output {
                    sent: false,
                    throttled: true,
                    throttle_key: key,
                    sns: None,
                    slack: false,
                });
            }
        }
    }
    let severity = serde_json::to_value(notification.severity).unwrap_or_default();
    let kind = serde_json::to_value(notification.notification_type).unwrap_or_default();
    let body = json!({
        "type": kind, "severity": severity, "title": notification.title, "message": notification.message,
        "model_name": notification.model_name, "strategy_name": notification.strategy_name, "details": notification.details,
    });
    let message_id = deps
        .notifier
        .publish(PublishedMessage {
            subject: format!(
                "[{}] {}",
                severity.as_str().unwrap_or("INFO"),
                notification.title
            ),
            message: body.to_string(),
            attributes: BTreeMap::from([
                (
                    "severity".to_owned(),
                    severity.as_str().unwrap_or_default().to_owned(),
                ),
                (
                    "notification_type".to_owned(),
                    kind.as_str().unwrap_or_default().to_owned(),
                ),
            ]),
        })
        .await?;
    deps.sent
        .put(&NotificationRecord {
            throttle_key: key.clone(),
            notification_type: kind.as_str().unwrap_or_default().to_owned(),
            severity: notification.severity,
            sent_at: now,
            ttl: now.epoch_seconds() + window,
        })
        .await?;
    Ok(Output {
        sent: true,
        throttled: false,
        throttle_key: key,
        sns: Some(message_id),
        slack: false,
    })
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::TableLayout;
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use serde_json::Value;

    use super::*;

    async fn handle(
        handler: &NotifyCompletion,
        input: &Value,
        now: Timestamp,
    ) -> Result<Value, HandlerError> {
        crate::registry::data_at(handler, input.clone(), now).await
    }

    #[tokio::test]
    async fn info_repeats_are_throttled_errors_are_not() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let sent = MemoryRecordStore::<NotificationRecord>::new(TableLayout::from_spec(
            "notifications",
            &config.settings().tables["notifications"],
        ));
        let notifier = Arc::new(MemoryNotifier::new());
        let deps = NotifyCompletion {
            notifier: notifier.clone(),
            sent: Arc::new(sent),
            throttle_minutes: 5,
        };
        // The table expires rows by the wall clock (TTL), so the test starts now.
        let t0 = Timestamp::now();
        let info = json!({"notification_type": "BACKTEST_COMPLETE", "title": "done", "message": "job j1", "strategy_name": "sma"});
        assert_eq!(handle(&deps, &info, t0).await.expect("first")["sent"], true);
        let repeat = handle(&deps, &info, t0.plus_seconds(60))
            .await
            .expect("repeat");
        assert_eq!(
            (repeat["sent"].clone(), repeat["throttled"].clone()),
            (json!(false), json!(true))
        );
        assert_eq!(
            handle(&deps, &info, t0.plus_seconds(301))
                .await
                .expect("after the window")["sent"],
            true
        );
        let error = json!({"notification_type": "BACKTEST_COMPLETE", "title": "failed", "message": "job j2", "strategy_name": "sma", "severity": "ERROR"});
        for _ in 0..2 {
            assert_eq!(
                handle(&deps, &error, t0.plus_seconds(302))
                    .await
                    .expect("error")["sent"],
                true,
                "never throttled"
            );
        }
        let published = notifier.published();
        assert_eq!(published.len(), 4);
        assert_eq!(published[3].subject, "[ERROR] failed");
        assert!(matches!(
            handle(&deps, &json!({"title": "t"}), t0).await,
            Err(HandlerError::Validation { .. })
        ));
    }
}
