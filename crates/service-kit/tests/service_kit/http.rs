//! The common layers, health, docs and graceful shutdown, over real HTTP on loopback.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tradai_service_kit::health::{report, HealthCheck};
use tradai_service_kit::http::{layered, HttpOptions};

struct Fixed(&'static str, Result<(), String>);

#[async_trait::async_trait]
impl HealthCheck for Fixed {
    fn name(&self) -> &str {
        self.0
    }
    async fn check(&self) -> Result<(), String> {
        self.1.clone()
    }
}

struct Hangs;

#[async_trait::async_trait]
impl HealthCheck for Hangs {
    fn name(&self) -> &str {
        "mlflow"
    }
    async fn check(&self) -> Result<(), String> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(())
    }
}

/// Serve `router` behind the layers on a free port; returns its base URL and a shutdown trigger.
async fn start(
    router: Router,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = HttpOptions {
        timeout: Duration::from_millis(500),
        ..HttpOptions::default()
    };
    let app = layered(router, &options);
    let server = tokio::spawn(tradai_service_kit::serve_until(listener, app, async move {
        let _ = stopped.await;
    }));
    (base, stop, server)
}

#[tokio::test]
async fn the_correlation_id_is_kept_or_made_and_always_echoed() {
    let (base, _stop, _server) =
        start(Router::new().route("/ping", get(|| async { "pong" }))).await;
    let client = reqwest::Client::new();
    let given = client
        .get(format!("{base}/ping"))
        .header("X-Correlation-ID", "trace-123")
        .send()
        .await
        .expect("get");
    assert_eq!(given.headers()["x-correlation-id"], "trace-123");
    let made = client
        .get(format!("{base}/ping"))
        .send()
        .await
        .expect("get");
    let id = made.headers()["x-correlation-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[tokio::test]
async fn unknown_paths_and_slow_handlers_answer_with_json_errors() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let (base, _stop, _server) = start(router).await;
    let missing = reqwest::get(format!("{base}/nowhere")).await.expect("get");
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["code"], "NOT_FOUND");
    let slow = reqwest::get(format!("{base}/slow")).await.expect("get");
    assert_eq!(slow.status(), 504);
}

#[tokio::test]
async fn health_maps_every_dependency_and_bounds_each_check() {
    let checks: Vec<Arc<dyn HealthCheck>> = vec![
        Arc::new(Fixed("workflow-state table", Ok(()))),
        Arc::new(Fixed(
            "results bucket",
            Err("AccessDenied: arn:aws:s3:::tradai-results-dev via http://10.0.3.7".into()),
        )),
        Arc::new(Hangs),
    ];
    // The hanging check is cut off by the bound (its error below says so); no wall-clock assertion.
    let health = report("backend", "0.1.0", &checks, Duration::from_millis(200)).await;
    assert_eq!(health.status, "unhealthy");
    let mut body = serde_json::to_value(&health).expect("json");
    for dependency in body["dependencies"]
        .as_object_mut()
        .expect("map")
        .values_mut()
    {
        dependency["latency_ms"] = Value::from("<ms>");
    }
    insta::assert_json_snapshot!(body, @r#"
    {
      "status": "unhealthy",
      "service": "backend",
      "version": "0.1.0",
      "dependencies": {
        "mlflow": {
          "status": "unhealthy",
          "latency_ms": "<ms>",
          "error": "no answer within 200 ms"
        },
        "results bucket": {
          "status": "unhealthy",
          "latency_ms": "<ms>",
          "error": "the check failed; the service's log has the cause"
        },
        "workflow-state table": {
          "status": "healthy",
          "latency_ms": "<ms>"
        }
      }
    }
    "#);
    let checks: Vec<Arc<dyn HealthCheck>> = vec![Arc::new(Fixed("table", Ok(())))];
    let router = Router::new().route(
        "/api/v1/health",
        get(move || {
            let checks = checks.clone();
            async move { report("backend", "0.1.0", &checks, Duration::from_secs(1)).await }
        }),
    );
    let (base, _stop, _server) = start(router).await;
    let response = reqwest::get(format!("{base}/api/v1/health"))
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["dependencies"]["table"]["status"], "healthy");
}

#[tokio::test]
async fn docs_serve_the_openapi_document_and_swagger_ui() {
    let openapi = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("backend")
                .version("0.1.0")
                .build(),
        )
        .build();
    let (base, _stop, _server) =
        start(tradai_service_kit::docs::routes(openapi, "TradAI backend")).await;
    let document: Value = reqwest::get(format!("{base}/openapi.json"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(document["info"]["title"], "backend");
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));
    let page = reqwest::get(format!("{base}/docs"))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(page.contains("SwaggerUIBundle") && page.contains("/openapi.json"));
}

/// A request in flight when shutdown starts still gets its answer; then the server stops.
#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let router = Router::new().route(
        "/work",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "done"
        }),
    );
    let (base, stop, server) = start(router).await;
    let request = tokio::spawn(async move {
        reqwest::get(format!("{base}/work"))
            .await
            .expect("get")
            .text()
            .await
            .expect("text")
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).expect("trigger shutdown");
    assert_eq!(request.await.expect("request task"), "done");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .expect("server task")
        .expect("served");
}
