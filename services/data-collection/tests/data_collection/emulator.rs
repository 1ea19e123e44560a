use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use tradai_data_collection::AppState;
use tradai_market::replay::{Fault, ReplayServer};
use tradai_market::{BinanceFutures, Recording, Settings};
use tradai_test_support::emulator;

use super::Service;

/// The AWS path: the real Binance adapter (against the replay server, with a throttled first answer) and
/// Parquet objects in the emulator's market-data bucket.
#[tokio::test]
async fn syncs_from_binance_into_the_market_data_bucket() {
    let (config, clients, _provisioned) = emulator::provisioned().await;
    let ports = tradai_platform::Ports::aws(&config, &clients, &Default::default()).expect("ports");
    let bucket = tradai_platform::AwsPorts {
        config: &config,
        clients: &clients,
    }
    .bucket("arcticdb")
    .expect("the market-data bucket");
    let replay = ReplayServer::start(Recording::bundled().expect("recording")).await;
    replay.fail_next(Fault::Status(429, Some(0)));
    let source = BinanceFutures::new(
        replay.url(),
        Settings {
            backoff: Duration::from_millis(1),
            ..Settings::default()
        },
    )
    .expect("adapter");
    // The deployed service's market store; the candles from the replay server.
    let ports = ports.with_source(Arc::new(source));
    let service = Service::start(move |verifier| {
        AppState::new(ports.market.clone(), ports.source.clone(), verifier)
    })
    .await;

    let body = json!({ "symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"], "start_date": "2024-01-25", "end_date": "2024-02-05", "padding_days": 5 });
    let synced = service
        .send("POST", "/api/v1/sync", Some(body.clone()))
        .await;
    assert_eq!(synced.status, StatusCode::OK, "{}", synced.body);
    assert_eq!(
        synced.body["results"][0]["range"]["start"], "2024-01-20T00:00:00Z",
        "padding moves the start"
    );
    assert_eq!(synced.body["results"][0]["fetched"], 16 * 24);
    let keys = bucket.list("ohlcv/").await.expect("list");
    assert_eq!(
        keys,
        [
            "ohlcv/BTC_USDT_USDT/1h/2024-01.parquet",
            "ohlcv/BTC_USDT_USDT/1h/2024-02.parquet",
            "ohlcv/ETH_USDT_USDT/1h/2024-01.parquet",
            "ohlcv/ETH_USDT_USDT/1h/2024-02.parquet",
        ]
    );
    let object = bucket
        .get("ohlcv/BTC_USDT_USDT/1h/2024-02.parquet")
        .await
        .expect("object");
    assert_eq!(object.content_type, "application/vnd.apache.parquet");
    assert_eq!(
        tradai_market::decode(object.body).expect("parquet").len(),
        4 * 24
    );

    assert_eq!(
        synced.body["results"][0]["funding"]["fetched"],
        16 * 3,
        "funding over the same range, padding included: {}",
        synced.body
    );
    assert_eq!(
        bucket.list("funding/").await.expect("list"),
        [
            "funding/BTC_USDT_USDT/2024-01.parquet",
            "funding/BTC_USDT_USDT/2024-02.parquet",
            "funding/ETH_USDT_USDT/2024-01.parquet",
            "funding/ETH_USDT_USDT/2024-02.parquet",
        ]
    );
    let month = bucket
        .get("funding/ETH_USDT_USDT/2024-02.parquet")
        .await
        .expect("object");
    let file = tradai_market::decode_funding(month.body).expect("parquet");
    assert_eq!(file.events.len(), 4 * 3, "2024-02-01 to 2024-02-05");

    let requests = replay.klines_requests().len();
    let funding_requests = replay.funding_requests().len();
    let again = service.send("POST", "/api/v1/sync", Some(body)).await;
    assert_eq!(again.body["results"][1]["fetched"], 0);
    assert_eq!(again.body["results"][1]["funding"]["fetched"], 0);
    assert_eq!(
        (
            replay.klines_requests().len(),
            replay.funding_requests().len()
        ),
        (requests, funding_requests),
        "DB-first: nothing asked of the exchange"
    );
    let candles = service.send("GET", "/api/v1/ohlcv?symbol=ETH/USDT:USDT&start=2024-01-31T22:00:00Z&end=2024-02-01T02:00:00Z", None).await;
    assert_eq!(
        candles.body["count"], 4,
        "read across the month objects: {}",
        candles.body
    );
}
