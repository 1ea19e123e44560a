//! Handlers against real services: data-collection-proxy's `ensure-data` against the data-collection router
//! on loopback (recorded pages, in-memory store), authenticated with a machine token from a client-credentials
//! token endpoint.

mod errors;

use std::sync::Arc;

use serde_json::{json, Value};
use tradai_domain::entities::Timestamp;
use tradai_lambdas::handlers::data_collection_proxy::{DataCollectionProxy, HttpDataCollection};
use tradai_lambdas::m2m::ClientCredentials;
use tradai_lambdas::registry::Serve;
use tradai_lambdas::HandlerError;
use tradai_service_kit::testing::{access_claims, JwksServer, Key};

/// data-collection-proxy over `service`, served as Lambda serves it; the answer's `data`.
async fn handle(service: &HttpDataCollection, input: &Value) -> Result<Value, HandlerError> {
    let proxy = DataCollectionProxy::new(Arc::new(service.clone()));
    let answer = proxy.serve(input.clone(), Timestamp::now(), "dev").await?;
    Ok(answer["body"]["data"].clone())
}

#[tokio::test]
async fn ensure_data_syncs_through_the_data_collection_service() {
    let key = Key::new("k");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let base_url = data_collection(&jwks).await;
    let token_url = token_endpoint(key.sign(&access_claims(&jwks.issuer()))).await;
    let service = HttpDataCollection {
        base_url,
        tokens: Arc::new(
            ClientCredentials::new(&token_url, "m2m", "secret", vec![]).expect("client"),
        ),
        client: reqwest::Client::new(),
    };

    let input = json!({"operation": "ensure-data", "params": {"symbols": ["BTC/USDT:USDT"], "timeframe": "1h",
        "start_date": "2024-02-01", "end_date": "2024-02-10", "padding_days": 2}});
    let answer = handle(&service, &input).await.expect("ensure-data");
    assert_eq!(
        answer["coverage"][0]["range"]["start"], "2024-01-30T00:00:00Z",
        "two days of padding"
    );
    assert_eq!(
        answer["coverage"][0]["fetched"],
        11 * 24,
        "2024-01-30 up to 2024-02-10, which is excluded"
    );
    let again = handle(&service, &input).await.expect("again");
    assert_eq!(
        again["coverage"][0]["fetched"], 0,
        "the service only fetches what it lacks"
    );
    assert_eq!(
        handle(&service, &json!({})).await.expect("health")["healthy"],
        true
    );

    let unrecorded = json!({"operation": "ensure-data", "params": {"symbols": ["SOL/USDT:USDT"], "start_date": "2024-02-01", "end_date": "2024-02-02"}});
    let err = handle(&service, &unrecorded)
        .await
        .expect_err("the service refuses");
    assert!(err.to_string().contains("400"), "{err}");
    let forged = token_endpoint("not-a-token".into()).await;
    let anonymous = HttpDataCollection {
        tokens: Arc::new(ClientCredentials::new(&forged, "m2m", "secret", vec![]).expect("client")),
        ..service.clone()
    };
    let err = handle(&anonymous, &input).await.expect_err("401");
    assert!(err.to_string().contains("401"), "{err}");
}

/// The data-collection service on loopback (recorded pages, in-memory store), trusting `jwks`; its URL.
async fn data_collection(jwks: &JwksServer) -> String {
    let config = tradai_test_support::config_with_prefix("tradai");
    let ports = tradai_platform::Ports::memory(&config).expect("ports");
    let state = tradai_data_collection::AppState::from_ports(&ports, Arc::new(jwks.verifier()));
    let app = tradai_data_collection::router(state, &Default::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum_serve(listener, app).await });
    base_url
}

/// The `tradai-lambda data-collection-proxy` runtime on the emulator: the machine client's secret from Secrets
/// Manager, a token from the token endpoint, `ensure-data` through the service; and a cold start that stops,
/// naming the fix, while the secret has no value.
#[tokio::test]
async fn the_proxy_function_starts_with_its_secret_and_serves_ensure_data() {
    use tradai_lambdas::runtime::App;
    let (config, clients, _) = tradai_test_support::emulator::provisioned().await;
    let key = Key::new("m2m");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let base_url = data_collection(&jwks).await;
    let token_url = token_endpoint(key.sign(&access_claims(&jwks.issuer()))).await;
    let sm = aws_sdk_secretsmanager::Client::new(&clients.sdk);
    let secret = sm
        .create_secret()
        .name(config.names().secret("m2m-client-secret"))
        .send()
        .await
        .expect("secret");
    let arn = secret.arn().expect("arn").to_owned();
    let vars = move || -> tradai_lambdas::runtime::VariableSource {
        let vars: std::collections::BTreeMap<&str, String> = [
            ("ENVIRONMENT", "dev".to_owned()),
            ("DATA_COLLECTION_URL", base_url.clone()),
            ("COGNITO_TOKEN_URL", token_url.clone()),
            ("M2M_CLIENT_ID", "m2m".to_owned()),
            ("M2M_CLIENT_SECRET_ARN", arn.clone()),
        ]
        .into_iter()
        .collect();
        Box::new(move |name| vars.get(name).cloned())
    };
    let error = App::start("data-collection-proxy", vars())
        .await
        .expect_err("no secret value yet");
    assert!(error.0.contains("put-secret-value"), "{error}");

    sm.put_secret_value()
        .secret_id(config.names().secret("m2m-client-secret"))
        .secret_string("client-secret")
        .send()
        .await
        .expect("put");
    let app = App::start("data-collection-proxy", vars())
        .await
        .expect("starts");
    let answer = app
        .handle(
            json!({"operation": "ensure-data", "params": {"symbols": ["BTC/USDT:USDT"],
                        "start_date": "2024-02-01", "end_date": "2024-02-02", "padding_days": 1}}),
        )
        .await
        .expect("ensure-data");
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(
        answer["body"]["data"]["coverage"][0]["fetched"],
        2 * 24,
        "a day of padding and 2024-02-01; 2024-02-02 is excluded: {answer}"
    );
}

/// A client-credentials token endpoint that issues `token`.
async fn token_endpoint(token: String) -> String {
    let app = axum::Router::new().route(
        "/oauth2/token",
        axum::routing::post(move || {
            let token = token.clone();
            async move {
                axum::Json(
                    json!({"access_token": token, "expires_in": 3600, "token_type": "Bearer"}),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/oauth2/token",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move { axum_serve(listener, app).await });
    url
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    let _ = axum::serve(listener, app).await;
}

/// trading-heartbeat-check on the emulator: the trading-state status index and the health table as the
/// canonical config provisions them.
#[tokio::test]
async fn heartbeat_check_reads_active_sessions_through_the_status_index() {
    use tradai_domain::entities::{Timestamp, TradingMode, TradingSession};
    use tradai_domain::ports::RecordKey;
    use tradai_domain::TradingStatus;
    let (config, clients, _) = tradai_test_support::emulator::provisioned().await;
    // The ports the deployed function gets, and its handler from the registry.
    let ports = tradai_platform::Ports::aws(&config, &clients, &Default::default()).expect("ports");
    let (sessions, health) = (ports.sessions.clone(), ports.health.clone());
    let now = Timestamp::now();
    for (id, status, beat) in [
        ("fresh", TradingStatus::Running, Some(now)),
        ("stale", TradingStatus::Warmup, Some(now.plus_seconds(-600))),
        ("stopped", TradingStatus::Stopped, None),
    ] {
        let session = TradingSession {
            strategy_id: id.into(),
            status,
            mode: TradingMode::DryRun,
            last_heartbeat: beat,
            task_arn: None,
            model_version: None,
            updated_at: now,
        };
        sessions.put(&session).await.expect("put");
    }
    let configured =
        tradai_lambdas::settings::defaults(tradai_config::Function::TradingHeartbeatCheck, &config)
            .expect("defaults");
    let check = tradai_lambdas::registry::build(configured, &ports, &Default::default())
        .expect("registered");
    let answer = check.serve(json!({}), now, "dev").await.expect("checks");
    let answer = &answer["body"]["data"];
    assert_eq!(
        (&answer["checked"], &answer["stale"]),
        (&json!(2), &json!(1)),
        "{answer}"
    );
    let row = health
        .get(&RecordKey::partition("heartbeat#stale"))
        .await
        .expect("get")
        .expect("row");
    assert_eq!(row.consecutive_failures, 1);
}
