//! `/api/v1/health` (reference §14.5): the service's status with a map of its dependencies, each checked
//! concurrently with a bound on how long it may take. 200 when every dependency answers, 503 otherwise.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One dependency a service checks (a table, a bucket, MLflow, another service).
#[async_trait::async_trait]
pub trait HealthCheck: Send + Sync {
    /// Its name in the dependency map.
    fn name(&self) -> &str;
    /// `Ok` when it answers; the error text otherwise.
    async fn check(&self) -> Result<(), String>;
}

/// One dependency's state.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DependencyHealth {
    /// `healthy` or `unhealthy`.
    pub status: &'static str,
    pub latency_ms: u64,
    /// Why it is unhealthy, in words that name no internal host, resource or error text (`no answer within
    /// 2000 ms`, `the check failed`): the cause is in the service's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The health document.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HealthReport {
    /// `healthy` when every dependency is, else `unhealthy`.
    pub status: &'static str,
    pub service: String,
    pub version: String,
    pub dependencies: BTreeMap<String, DependencyHealth>,
}

impl IntoResponse for HealthReport {
    fn into_response(self) -> Response {
        let status = if self.status == "healthy" {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        (status, axum::Json(self)).into_response()
    }
}

/// Check every dependency concurrently, each bounded by `timeout`.
pub async fn report(
    service: &str,
    version: &str,
    checks: &[Arc<dyn HealthCheck>],
    timeout: Duration,
) -> HealthReport {
    let runs = checks.iter().map(|check| async move {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(timeout, check.check()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => {
                tracing::warn!(dependency = check.name(), %cause, "health check failed");
                Err("the check failed; the service's log has the cause".to_owned())
            }
            Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let health = match outcome {
            Ok(()) => DependencyHealth {
                status: "healthy",
                latency_ms,
                error: None,
            },
            Err(error) => DependencyHealth {
                status: "unhealthy",
                latency_ms,
                error: Some(error),
            },
        };
        (check.name().to_owned(), health)
    });
    let dependencies: BTreeMap<String, DependencyHealth> =
        futures::future::join_all(runs).await.into_iter().collect();
    let healthy = dependencies.values().all(|d| d.status == "healthy");
    HealthReport {
        status: if healthy { "healthy" } else { "unhealthy" },
        service: service.to_owned(),
        version: version.to_owned(),
        dependencies,
    }
}

/// The health answer of a TradAI service: `checks` bounded by 2 s each, with the workspace version.
pub async fn standard(service: &str, checks: &[Arc<dyn HealthCheck>]) -> HealthReport {
    report(
        service,
        env!("CARGO_PKG_VERSION"),
        checks,
        Duration::from_secs(2),
    )
    .await
}
