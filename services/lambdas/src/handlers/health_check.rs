//! health-check (§10.2 #10, §10.3): probe each service's health URL (through Cloud Map in the cloud), record
//! the result in the health-state table with a TTL, count consecutive failures, alert once when they reach
//! `CONSECUTIVE_FAILURES_THRESHOLD` and once more when the service recovers. Each probe emits `ServiceHealthy`
//! (1 or 0) and `HealthCheckLatency` (ms) for its `Service`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tradai_config::metrics::{self, Emitter, Metric, Point};
use tradai_config::Function;
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

/// The health-check handler: its HTTP client, the health-state table (not among the platform's ports) and its
/// alerts topic, where its metrics go, and its settings.
#[derive(Clone)]
pub struct HealthCheck {
    pub http: reqwest::Client,
    pub records: Arc<dyn RecordStore<HealthRecord>>,
    pub notifier: Arc<dyn Notifier>,
    pub metrics: Option<Emitter>,
    pub settings: Settings,
}

crate::handler_debug!(HealthCheck, settings);

impl HealthCheck {
    /// The check probing with `http`, recording in `records` (the health-state table) and alerting on
    /// `notifier` (the function's alerts topic); none of them is among the platform's ports. It emits through
    /// `metrics`.
    pub fn new(
        http: reqwest::Client,
        records: Arc<dyn RecordStore<HealthRecord>>,
        notifier: Arc<dyn Notifier>,
        metrics: Option<Emitter>,
        settings: Settings,
    ) -> Self {
        HealthCheck {
            http,
            records,
            notifier,
            metrics,
            settings,
        }
    }
}

/// The answer: how many services were checked, how many are unhealthy, the alerts sent, and each service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub checked: usize,
    pub unhealthy: usize,
    pub alerts_sent: usize,
    pub services: Vec<ServiceHealth>,
}

/// One service's probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceHealth {
    pub service: String,
    pub healthy: bool,
    pub latency_ms: u64,
    pub consecutive_failures: u32,
    /// Why it is not healthy (`null` when it is).
    pub message: Option<String>,
}

/// The metrics of one probe of `service`.
fn point(service: &str, healthy: bool, latency_ms: u64) -> Point {
    Point::new()
        .dimension(metrics::SERVICE_DIMENSION, service)
        .value(metrics::SERVICE_HEALTHY, f64::from(u8::from(healthy)))
        .value(metrics::HEALTH_CHECK_LATENCY, latency_ms as f64)
}

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

impl crate::registry::Handler for HealthCheck {
    const FUNCTION: Function = Function::HealthCheck;
    const EMITS: &'static [Metric] = &[metrics::SERVICE_HEALTHY, metrics::HEALTH_CHECK_LATENCY];
    type Input = serde::de::IgnoredAny;
    type Output = Checked;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            crate::registry::required(&extras.http, "an HTTP client", Self::FUNCTION)?,
            ports.health.clone(),
            ports.notifier.clone(),
            extras.metrics.clone(),
            settings,
        ))
    }

    /// Check every service at `now` (the scheduled event says nothing more).
    async fn handle(
        &self,
        _: serde::de::IgnoredAny,
        now: Timestamp,
    ) -> Result<Checked, HandlerError> {
        let s = &self.settings;
        let tracker = Tracker {
            records: self.records.as_ref(),
            notifier: self.notifier.as_ref(),
            threshold: s.threshold,
            ttl_seconds: s.ttl_seconds,
        };
        let (mut services, mut alerts, mut unhealthy) = (Vec::new(), 0, 0);
        for (name, url) in &s.services {
            let (healthy, latency, message) = probe(&self.http, url, s.timeout).await;
            crate::metrics::emit(self.metrics.as_ref(), now, &[point(name, healthy, latency)]);
            let check = Check {
                subject: name.clone(),
                healthy,
                latency_ms: Some(latency),
                message,
            };
            let recorded = tracker.record(&check, now).await?;
            unhealthy += usize::from(!healthy);
            alerts += usize::from(recorded.alerted);
            services.push(ServiceHealth {
                service: name.clone(),
                healthy,
                latency_ms: latency,
                consecutive_failures: recorded.consecutive_failures,
                message: check.message,
            });
        }
        Ok(Checked {
            checked: services.len(),
            unhealthy,
            alerts_sent: alerts,
            services,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU16, Ordering};

    use serde_json::{json, Value};
    use tradai_domain::entities::HealthState;
    use tradai_domain::ports::{RecordKey, TableLayout};
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use super::*;
    use crate::metrics::testing::{described, Captured};
    use crate::registry::Serve;

    /// Each probe also emits the service's health (1 or 0) and latency as EMF lines.
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
        let records = Arc::new(MemoryRecordStore::<HealthRecord>::new(
            TableLayout::from_spec("health-state", &config.settings().tables["health-state"]),
        ));
        let notifier = Arc::new(MemoryNotifier::new());
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
        let captured = Captured::default();
        let health = HealthCheck::new(
            reqwest::Client::new(),
            records.clone(),
            notifier.clone(),
            captured.emitter(),
            settings,
        );
        let scheduled =
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        let check = || async {
            let answer: Value = health
                .serve(scheduled.clone(), Timestamp::now(), "dev")
                .await
                .expect("check");
            answer["body"]["data"].clone()
        };

        let first = check().await;
        assert_eq!(
            (
                first["checked"].clone(),
                first["unhealthy"].clone(),
                first["alerts_sent"].clone()
            ),
            (json!(2), json!(1), json!(0))
        );
        let backend = &first["services"][0];
        assert_eq!(
            (
                &backend["service"],
                &backend["healthy"],
                &backend["consecutive_failures"],
                &backend["message"]
            ),
            (&json!("backend-api"), &json!(true), &json!(0), &Value::Null),
            "{first}"
        );
        assert!(backend["latency_ms"].is_u64(), "{first}");
        let emitted = captured.take();
        let health: Vec<String> = described(&emitted)
            .into_iter()
            .filter(|d| d.contains("/ServiceHealthy"))
            .collect();
        assert_eq!(
            health,
            [
                "TradAI/ServiceHealthy{Environment=dev,Service=backend-api} 1 None",
                "TradAI/ServiceHealthy{Environment=dev,Service=gone} 0 None",
            ]
        );
        let latency = &emitted
            .iter()
            .find(|e| e.metric == "HealthCheckLatency" && e.dimensions["Service"] == "backend-api")
            .expect("the backend's latency");
        assert_eq!(
            (
                latency.namespace.as_str(),
                latency.unit.as_deref(),
                &latency.dimensions
            ),
            (
                "TradAI",
                Some("Milliseconds"),
                &BTreeMap::from([
                    ("Environment".to_owned(), "dev".to_owned()),
                    ("Service".to_owned(), "backend-api".to_owned())
                ])
            )
        );
        assert_eq!(
            latency.value,
            first["services"][0]["latency_ms"].as_f64().expect("ms")
        );
        assert_eq!(emitted.len(), 4, "two metrics per service");
        status.store(503, Ordering::SeqCst);
        let second = check().await;
        assert!(
            described(&captured.take()).contains(
                &"TradAI/ServiceHealthy{Environment=dev,Service=backend-api} 0 None".to_owned()
            ),
            "the backend answers 503 now"
        );
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
