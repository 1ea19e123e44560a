//! health-check (§10.2 #10, §10.3): probe each service's health URL (through Cloud Map in the cloud), record
//! the result in the health-state table with a TTL, count consecutive failures, alert once when they reach
//! `CONSECUTIVE_FAILURES_THRESHOLD` and once more when the service recovers.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tradai_domain::entities::{HealthRecord, Timestamp};
use tradai_domain::ports::{Notifier, RecordStore};

use crate::failures::{Check, Tracker};
use crate::HandlerError;

/// Settings (`HEALTH_CHECK_TIMEOUT`, `CONSECUTIVE_FAILURES_THRESHOLD`, `DYNAMODB_TTL_SECONDS`) and the
/// services to probe (`backend-api` → `http://backend-api.tradai.local:8000/api/v1/health`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub threshold: u32,
    pub ttl_seconds: i64,
    pub services: BTreeMap<String, String>,
}

/// What it talks to.
pub struct Dependencies<'a> {
    pub http: &'a reqwest::Client,
    pub records: &'a dyn RecordStore<HealthRecord>,
    pub notifier: &'a dyn Notifier,
    pub settings: &'a Settings,
}

crate::debug_showing!(Dependencies, settings);

/// Probe `url`: healthy on a 2xx within the timeout; the latency and, when not healthy, why.
async fn probe(
    http: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> (bool, u64, Option<String>) {
    let started = Instant::now();
    let outcome = http.get(url).timeout(timeout).send().await;
    let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(r) if r.status().is_success() => (true, latency, None),
        Ok(r) => (false, latency, Some(format!("answered {}", r.status()))),
        Err(e) => (
            false,
            latency,
            Some(if e.is_timeout() {
                format!("no answer within {timeout:?}")
            } else {
                e.to_string()
            }),
        ),
    }
}

/// Check every service at `now`; the `data` of the answer.
pub async fn handle(deps: &Dependencies<'_>, now: Timestamp) -> Result<Value, HandlerError> {
    let s = deps.settings;
    let tracker = Tracker {
        records: deps.records,
        notifier: deps.notifier,
        threshold: s.threshold,
        ttl_seconds: s.ttl_seconds,
    };
    let (mut services, mut alerts, mut unhealthy) = (Vec::new(), 0, 0);
    for (name, url) in &s.services {
        let (healthy, latency, message) = probe(deps.http, url, s.timeout).await;
        let check = Check {
            subject: name.clone(),
            healthy,
            latency_ms: Some(latency),
            message,
        };
        let recorded = tracker.record(&check, now).await?;
        unhealthy += usize::from(!healthy);
        alerts += usize::from(recorded.alerted);
        services.push(json!({"service": name, "healthy": healthy, "latency_ms": latency,
                             "consecutive_failures": recorded.consecutive_failures, "message": check.message}));
    }
    Ok(
        json!({"checked": services.len(), "unhealthy": unhealthy, "alerts_sent": alerts, "services": services}),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::sync::Arc;

    use tradai_domain::entities::HealthState;
    use tradai_domain::ports::{RecordKey, TableLayout};
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use super::*;

    #[tokio::test]
    async fn alerts_once_at_the_threshold_and_once_on_recovery() {
        let status = Arc::new(AtomicU16::new(200));
        let answer = status.clone();
        let app = axum::Router::new().route(
            "/api/v1/health",
            axum::routing::get(move || {
                let code = answer.load(Ordering::SeqCst);
                async move {
                    axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/api/v1/health",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let config = tradai_test_support::config_with_prefix("lambda");
        let records = MemoryRecordStore::<HealthRecord>::new(TableLayout::from_spec(
            "health-state",
            &config.settings().tables["health-state"],
        ));
        let notifier = MemoryNotifier::new();
        let settings = Settings {
            timeout: Duration::from_secs(5),
            threshold: 2,
            ttl_seconds: 86_400,
            services: BTreeMap::from([
                ("backend-api".to_owned(), url),
                (
                    "gone".to_owned(),
                    "http://127.0.0.1:9/api/v1/health".to_owned(),
                ),
            ]),
        };
        let http = reqwest::Client::new();
        let deps = Dependencies {
            http: &http,
            records: &records,
            notifier: &notifier,
            settings: &settings,
        };
        let check = || async { handle(&deps, Timestamp::now()).await.expect("check") };

        let first = check().await;
        assert_eq!(
            (
                first["checked"].clone(),
                first["unhealthy"].clone(),
                first["alerts_sent"].clone()
            ),
            (json!(2), json!(1), json!(0))
        );
        status.store(503, Ordering::SeqCst);
        let second = check().await;
        assert_eq!(
            second["alerts_sent"], 1,
            "the unreachable service fails a 2nd time in a row"
        );
        let third = check().await;
        assert_eq!(
            third["alerts_sent"], 1,
            "the backend fails a 2nd time; no repeat for the other"
        );
        let fourth = check().await;
        assert_eq!(fourth["alerts_sent"], 0, "no repeats while both stay down");
        status.store(200, Ordering::SeqCst);
        let recovered = check().await;
        assert_eq!(recovered["alerts_sent"], 1, "the backend recovered");
        let row = records
            .get(&RecordKey::partition("backend-api"))
            .await
            .expect("get")
            .expect("row");
        assert_eq!(
            (row.status, row.consecutive_failures),
            (HealthState::Healthy, 0)
        );
        let subjects: Vec<String> = notifier
            .published()
            .into_iter()
            .map(|m| m.subject)
            .collect();
        assert_eq!(
            subjects.iter().filter(|s| s.contains("recovered")).count(),
            1
        );
        assert_eq!(subjects.len(), 3);
    }
}
