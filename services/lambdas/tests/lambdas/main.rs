//! Handlers against real services: data-collection-proxy's `ensure-data` against the data-collection router
//! on loopback (recorded pages, in-memory store).

use std::sync::Arc;

use serde_json::json;
use tradai_lambdas::data_proxy::{handle, HttpDataCollection};
use tradai_service_kit::testing::{access_claims, JwksServer, Key};

#[tokio::test]
async fn ensure_data_syncs_through_the_data_collection_service() {
    let key = Key::new("k");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let state =
        tradai_data_collection::AppState::in_memory(Arc::new(jwks.verifier())).expect("state");
    let app = tradai_data_collection::router(state, &Default::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum_serve(listener, app).await });
    let service = HttpDataCollection {
        base_url,
        token: key.sign(&access_claims(&jwks.issuer())),
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
        12 * 24,
        "2024-01-30 through 2024-02-10"
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
    let anonymous = HttpDataCollection {
        token: "not-a-token".into(),
        ..service.clone()
    };
    let err = handle(&anonymous, &input).await.expect_err("401");
    assert!(err.to_string().contains("401"), "{err}");
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    let _ = axum::serve(listener, app).await;
}
