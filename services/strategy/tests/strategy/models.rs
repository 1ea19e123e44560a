//! Model registry routes: the whole promotion path with each error, on the in-memory registry, and the same
//! path against a real MLflow server.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};
use tradai_domain::ports::NewRun;
use tradai_mlflow::MlflowRegistry;
use tradai_service_kit::testing::{call, Answer};

use super::{start, start_with, Service};

/// Times, run ids and correlation ids vary per run; snapshots show placeholders.
fn scrub(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                *field = match key.as_str() {
                    "created_at" | "updated_at" | "started_at" => json!("<time>"),
                    "run_id" => json!("<run>"),
                    "correlation_id" => json!("<correlation id>"),
                    _ => scrub(field.take()),
                };
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| *item = scrub(item.take())),
        _ => {}
    }
    value
}

impl Service {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        call(&self.app, method, path, Some(&self.token), &[], body).await
    }

    /// A finished backtest run in MLflow, as the runner records it.
    async fn backtest_run(&self, model: &str, sharpe: f64) -> String {
        let logged = self
            .registry
            .log_run(NewRun {
                experiment_name: format!("backtest-{model}"),
                metrics: BTreeMap::from([("sharpe_ratio".to_owned(), sharpe)]),
                params: BTreeMap::from([("timeframe".to_owned(), "1h".to_owned())]),
                tags: BTreeMap::from([("trace_id".to_owned(), "trace-1".to_owned())]),
                started_at: None,
            })
            .await
            .expect("log a run");
        logged.run_id
    }
}

fn codes(answer: &Answer) -> (StatusCode, &str) {
    (answer.status, answer.body["code"].as_str().unwrap_or("-"))
}

/// Register two versions, stage and promote them in turn, roll back; every answer checked.
async fn promotion_path(service: &Service, model: &str) -> Vec<Value> {
    let mut answers = Vec::new();
    let run = service.backtest_run(model, 1.25).await;
    let base = format!("/api/v1/strategies/{model}");
    let registered = service
        .send(
            "POST",
            &format!("{base}/register"),
            Some(json!({ "run_id": run, "tags": { "config_version_id": "v1-a3b2c1d4" } })),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    assert_eq!(
        registered.body["metrics"]["sharpe_ratio"], 1.25,
        "the run's metrics"
    );
    answers.push(registered.body);
    let second = service.backtest_run(model, 1.5).await;
    let again = service
        .send(
            "POST",
            &format!("{base}/register"),
            Some(json!({ "run_id": second })),
        )
        .await;
    assert_eq!(
        (again.status, again.body["version"].as_str()),
        (StatusCode::CREATED, Some("2"))
    );

    for version in ["1", "2"] {
        let staged = service
            .send(
                "POST",
                &format!("{base}/stage"),
                Some(json!({ "version": version })),
            )
            .await;
        assert_eq!(
            (staged.status, staged.body["stage"].as_str()),
            (StatusCode::OK, Some("Staging")),
            "{}",
            staged.body
        );
        let promoted = service
            .send("POST", &format!("{base}/promote"), Some(json!({})))
            .await;
        assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.body);
        assert_eq!(promoted.body["promoted"]["version"], version);
        answers.push(promoted.body);
    }
    let models = format!("/api/v1/models/{model}");
    let versions = service
        .send("GET", &format!("{models}/versions"), None)
        .await;
    assert_eq!(versions.status, StatusCode::OK);
    answers.push(versions.body);
    let candidates = service
        .send("GET", &format!("{models}/rollback-candidates"), None)
        .await;
    assert_eq!(candidates.body["versions"][0]["version"], "1");
    let rolled = service
        .send("POST", &format!("{models}/rollback"), Some(json!({})))
        .await;
    assert_eq!(rolled.status, StatusCode::OK, "{}", rolled.body);
    answers.push(rolled.body);
    let info = service
        .send("GET", &format!("/api/v1/mlflow/models/{model}"), None)
        .await;
    assert_eq!(info.status, StatusCode::OK);
    let production: Vec<_> = info.body["latest_versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter(|v| v["stage"] == "Production")
        .map(|v| v["version"].clone())
        .collect();
    assert_eq!(production, [json!("1")], "the rollback restored v1");
    answers
}

#[tokio::test]
async fn stage_promote_rollback_and_register_on_the_in_memory_registry() {
    let service = start().await;
    let answers = promotion_path(&service, "PascalStrategy").await;
    insta::assert_json_snapshot!("promotion_path", scrub(Value::Array(answers)));

    let experiment = service
        .send("GET", "/api/v1/mlflow/experiments/1?max_runs=1", None)
        .await;
    assert_eq!(experiment.status, StatusCode::OK);
    insta::assert_json_snapshot!("experiment", scrub(experiment.body));
}

#[tokio::test]
async fn registry_errors_name_what_is_wrong() {
    let service = start().await;
    let run = service.backtest_run("RadStrategy", 0.9).await;
    let cases = [
        (
            "GET",
            "/api/v1/models/Nope/versions",
            None,
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ),
        (
            "GET",
            "/api/v1/models/Nope/rollback-candidates",
            None,
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ),
        (
            "GET",
            "/api/v1/mlflow/models/Nope",
            None,
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ),
        (
            "GET",
            "/api/v1/mlflow/experiments/42",
            None,
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ),
        (
            "GET",
            "/api/v1/mlflow/experiments/1?max_runs=0",
            None,
            (StatusCode::BAD_REQUEST, "VAL005"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/register",
            Some(json!({ "run_id": "../x" })),
            (StatusCode::BAD_REQUEST, "VAL006"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/register",
            Some(json!({ "run": run })),
            (StatusCode::BAD_REQUEST, "VAL006"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/register",
            Some(json!({ "run_id": "feedbeef" })),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/register",
            Some(json!({ "run_id": run })),
            (StatusCode::CREATED, "-"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/promote",
            Some(json!({})),
            (StatusCode::CONFLICT, "CONFLICT"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/promote",
            Some(json!({ "version": "1" })),
            (StatusCode::CONFLICT, "CONFLICT"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/stage",
            Some(json!({ "version": "9" })),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ),
        (
            "POST",
            "/api/v1/strategies/RadStrategy/stage",
            Some(json!({})),
            (StatusCode::BAD_REQUEST, "VAL006"),
        ),
        (
            "POST",
            "/api/v1/models/RadStrategy/rollback",
            Some(json!({})),
            (StatusCode::CONFLICT, "CONFLICT"),
        ),
    ];
    for (method, path, body, expected) in cases {
        let answer = service.send(method, path, body.clone()).await;
        assert_eq!(
            codes(&answer),
            expected,
            "{method} {path} {body:?}: {}",
            answer.body
        );
    }
    let conflict = service
        .send(
            "POST",
            "/api/v1/strategies/RadStrategy/promote",
            Some(json!({})),
        )
        .await;
    insta::assert_json_snapshot!("promote_conflict", scrub(conflict.body));
    let anonymous = call(
        &service.app,
        "GET",
        "/api/v1/models/RadStrategy/versions",
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(codes(&anonymous).0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_promotion_path_works_on_a_real_mlflow_server() {
    let registry =
        MlflowRegistry::new(tradai_test_support::mlflow::tracking_uri(), None).expect("valid URI");
    let service = start_with(Some(Arc::new(registry))).await;
    let model = format!("{}-PascalStrategy", tradai_test_support::unique_prefix());
    let answers = promotion_path(&service, &model).await;
    assert_eq!(answers.len(), 5);
    let health = call(&service.app, "GET", "/api/v1/health", None, &[], None).await;
    assert_eq!(
        health.body["dependencies"]["model registry"]["status"],
        "healthy"
    );
}
