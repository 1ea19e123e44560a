//! The strategy service's routes: configs on an in-memory bucket; the model registry on its in-memory twin and
//! on a real MLflow server.

mod models;
mod sweeps;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use serde_json::{json, Value};
use tradai_domain::ports::ModelRegistry;
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::testing::{access_claims, call, JwksServer, Key};
use tradai_strategy::{router, AppState, SAMPLES};

struct Service {
    app: Router,
    state: AppState,
    token: String,
    registry: Arc<dyn ModelRegistry>,
    key: Key,
    issuer: String,
    _jwks: JwksServer,
}

/// The service on in-memory adapters, or with `registry` in place of the in-memory one.
async fn start_with(registry: Option<Arc<dyn ModelRegistry>>) -> Service {
    let key = Key::new("k");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let config = tradai_test_support::config_with_prefix("tradai");
    let ports = tradai_platform::Ports::memory(&config).expect("ports");
    let mut state = AppState::local(&config, &ports, Arc::new(jwks.verifier())).expect("state");
    tradai_strategy::seed_samples(&state)
        .await
        .expect("samples");
    if let Some(registry) = registry {
        state.registry = registry;
    }
    Service {
        app: router(state.clone(), &HttpOptions::default()),
        state: state.clone(),
        token: key.sign(&access_claims(&jwks.issuer())),
        registry: state.registry,
        issuer: jwks.issuer(),
        key,
        _jwks: jwks,
    }
}

async fn start() -> Service {
    start_with(None).await
}

#[tokio::test]
async fn lists_and_gets_stored_strategies() {
    let service = start().await;
    let list = call(
        &service.app,
        "GET",
        "/api/v1/strategies",
        Some(&service.token),
        &[],
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    insta::assert_json_snapshot!(list.body, @r#"
    [
      {
        "name": "sma-crossover",
        "description": "Long when the 20-candle SMA crosses above the 50-candle SMA; out when it crosses back below or at a 5 % loss.",
        "timeframe": "1h",
        "symbols": [
          "BTC/USDT:USDT"
        ]
      }
    ]
    "#);
    let one = call(
        &service.app,
        "GET",
        "/api/v1/strategies/sma-crossover",
        Some(&service.token),
        &[],
        None,
    )
    .await;
    assert_eq!(one.body["entry"]["rule"], "sma_cross");
    let missing = call(
        &service.app,
        "GET",
        "/api/v1/strategies/nope",
        Some(&service.token),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (missing.status, missing.body["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Strategy 'nope' not found"))
    );
    let anonymous = call(&service.app, "GET", "/api/v1/strategies", None, &[], None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn validates_configs_naming_each_broken_field() {
    let service = start().await;
    let mut config: Value = serde_json::from_str(SAMPLES[0]).expect("json");
    let ok = call(
        &service.app,
        "POST",
        "/api/v1/strategies/validate",
        Some(&service.token),
        &[],
        Some(config.clone()),
    )
    .await;
    assert_eq!(
        (ok.status, ok.body["valid"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    config["stoploss"] = json!(0.2);
    config["entry"]["fast"] = json!(80);
    let bad = call(
        &service.app,
        "POST",
        "/api/v1/strategies/validate",
        Some(&service.token),
        &[],
        Some(config),
    )
    .await;
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        (bad.body["valid"].as_bool(), fields),
        (Some(false), vec!["stoploss", "entry.fast"])
    );
}

#[tokio::test]
async fn merges_overrides_into_a_stored_or_given_config() {
    let service = start().await;
    let merged = call(
        &service.app,
        "POST",
        "/api/v1/strategies/merge",
        Some(&service.token),
        &[],
        Some(json!({"base": "sma-crossover", "overrides": {"timeframe": "4h", "entry": {"fast": 10}}})),
    )
    .await;
    assert_eq!(merged.status, StatusCode::OK);
    assert_eq!(
        (
            merged.body["config"]["timeframe"].as_str(),
            merged.body["config"]["entry"]["fast"].as_u64()
        ),
        (Some("4h"), Some(10))
    );
    assert_eq!(
        merged.body["config"]["entry"]["slow"], 50,
        "untouched keys stay"
    );
    assert_eq!(merged.body["valid"], true);
    let invalid = call(
        &service.app,
        "POST",
        "/api/v1/strategies/merge",
        Some(&service.token),
        &[],
        Some(json!({"base": "sma-crossover", "overrides": {"entry": {"fast": 70}}})),
    )
    .await;
    assert_eq!(invalid.body["errors"][0]["field"], "entry.fast");
    let unknown = call(
        &service.app,
        "POST",
        "/api/v1/strategies/merge",
        Some(&service.token),
        &[],
        Some(json!({"base": "nope", "overrides": {}})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = call(
        &service.app,
        "POST",
        "/api/v1/strategies/merge",
        Some(&service.token),
        &[],
        Some(json!({"base": "sma-crossover", "overrides": [1]})),
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("VAL006"))
    );
}

#[tokio::test]
async fn health_and_the_openapi_document() {
    let service = start().await;
    let health = call(&service.app, "GET", "/api/v1/health", None, &[], None).await;
    assert_eq!(
        (
            health.status,
            health.body["dependencies"]["configs bucket"]["status"].as_str()
        ),
        (StatusCode::OK, Some("healthy"))
    );
    let problems = tradai_service_kit::testing::route_problems(
        &service.app,
        &tradai_strategy::openapi(),
        &service.key,
        &service.issuer,
    )
    .await;
    assert!(problems.is_empty(), "{problems:#?}");
    insta::assert_json_snapshot!(
        "openapi",
        serde_json::to_value(tradai_strategy::openapi()).expect("json")
    );
}
