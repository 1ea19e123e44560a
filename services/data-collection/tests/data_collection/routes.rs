use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;
use tradai_data_collection::AppState;
use tradai_service_kit::testing::call;

use super::Service;

async fn start() -> Service {
    let config = tradai_test_support::config_with_prefix("tradai");
    let ports = tradai_platform::Ports::memory(&config).expect("recorded pages");
    Service::start(|verifier| AppState::from_ports(&ports, verifier)).await
}

fn sync_body(symbols: &[&str], start: &str, end: &str) -> serde_json::Value {
    json!({ "symbols": symbols, "timeframe": "1h", "start_date": start, "end_date": end, "exchange": "binance_futures" })
}

#[tokio::test]
async fn syncs_once_then_serves_candles_from_the_store() {
    let service = start().await;
    let first = service
        .send(
            "POST",
            "/api/v1/sync",
            Some(sync_body(
                &["BTC/USDT:USDT", "ETH/USDT:USDT"],
                "2024-01-01",
                "2024-01-03",
            )),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    insta::assert_json_snapshot!("sync_report", first.body);
    let again = service
        .send(
            "POST",
            "/api/v1/sync",
            Some(sync_body(&["BTC/USDT:USDT"], "2024-01-01", "2024-01-03")),
        )
        .await;
    assert_eq!(
        (
            again.body["results"][0]["already_stored"].as_u64(),
            again.body["results"][0]["fetched"].as_u64()
        ),
        (Some(48), Some(0))
    );
    let funding = &again.body["results"][0]["funding"];
    assert_eq!(
        (
            funding["already_stored"].as_u64(),
            funding["fetched"].as_u64(),
            funding["stored"].as_u64()
        ),
        (Some(6), Some(0), Some(6)),
        "DB-first funding: {funding}"
    );
    assert_eq!(funding["fetched_ranges"], json!([]));

    let window = service.send("GET", "/api/v1/ohlcv?symbol=BTC/USDT:USDT&timeframe=1h&start=2024-01-02T22:00:00Z&end=2024-01-03", None).await;
    assert_eq!(window.status, StatusCode::OK);
    insta::assert_json_snapshot!("ohlcv_window", window.body);
    let newest = service
        .send(
            "GET",
            "/api/v1/ohlcv?symbol=BTC/USDT:USDT&end=2024-01-03&limit=5",
            None,
        )
        .await;
    let dates: Vec<&str> = newest.body["candles"]
        .as_array()
        .expect("candles")
        .iter()
        .map(|c| c["date"].as_str().expect("date"))
        .collect();
    assert_eq!(
        dates,
        [
            "2024-01-02T19:00:00Z",
            "2024-01-02T20:00:00Z",
            "2024-01-02T21:00:00Z",
            "2024-01-02T22:00:00Z",
            "2024-01-02T23:00:00Z"
        ],
        "the newest 5 before end"
    );
    let first_three = service
        .send(
            "GET",
            "/api/v1/ohlcv?symbol=ETH/USDT:USDT&start=2024-01-01&limit=3",
            None,
        )
        .await;
    assert_eq!(first_three.body["count"], 3);
    assert_eq!(
        first_three.body["candles"][0]["date"],
        "2024-01-01T00:00:00Z"
    );

    let symbols = service.send("GET", "/api/v1/symbols", None).await;
    insta::assert_json_snapshot!("symbols", symbols.body);
    let freshness = service
        .send("GET", "/api/v1/freshness?timeframe=1h", None)
        .await;
    assert_eq!(
        (freshness.status, freshness.body["stale"].as_u64()),
        (StatusCode::OK, Some(2)),
        "2024 data is stale now"
    );
    assert_eq!(
        freshness.body["series"][0]["last_candle"],
        "2024-01-02T23:00:00Z"
    );
    let lenient = service
        .send("GET", "/api/v1/freshness?max_age_seconds=9999999999", None)
        .await;
    assert_eq!(lenient.body["stale"], 0);
    let status = service.send("GET", "/api/v1/status", None).await;
    assert_eq!(
        (
            status.body["exchange"].as_str(),
            status.body["series"].as_u64()
        ),
        (Some("binance_futures"), Some(2))
    );
}

#[tokio::test]
async fn incremental_sync_continues_from_the_newest_candle() {
    let service = start().await;
    let body = json!({ "symbols": ["BTC/USDT:USDT"], "timeframe": "1h" });
    let cold = service
        .send("POST", "/api/v1/sync/incremental", Some(body.clone()))
        .await;
    assert_eq!(
        cold.status,
        StatusCode::BAD_REQUEST,
        "nothing stored and no start_date: {}",
        cold.body
    );
    assert_eq!(
        cold.body["results"][0]["error"]["details"]["field"],
        "start_date"
    );
    let seeded = service
        .send(
            "POST",
            "/api/v1/sync",
            Some(sync_body(&["BTC/USDT:USDT"], "2024-03-30", "2024-03-31")),
        )
        .await;
    assert_eq!(seeded.status, StatusCode::OK);
    let next = service
        .send("POST", "/api/v1/sync/incremental", Some(body))
        .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
    let result = &next.body["results"][0];
    assert_eq!(result["range"]["start"], "2024-03-31T00:00:00Z");
    assert_eq!(result["fetched"], 24, "the recording ends on 2024-04-01");
}

#[tokio::test]
async fn each_bad_input_names_its_field() {
    let service = start().await;
    let cases = [
        (
            sync_body(&["BTCUSDT"], "2024-01-01", "2024-01-02"),
            "VAL002",
            "symbols",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "timeframe": "2h", "start_date": "2024-01-01", "end_date": "2024-01-02" }),
            "VAL003",
            "timeframe",
        ),
        (
            sync_body(&["BTC/USDT:USDT"], "01/01/2024", "2024-01-02"),
            "VAL001",
            "start_date",
        ),
        (
            sync_body(&["BTC/USDT:USDT"], "2024-01-02", "2024-01-01"),
            "VAL001",
            "start_date",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "end_date": "2024-01-02" }),
            "VAL004",
            "start_date",
        ),
        (
            sync_body(&[], "2024-01-01", "2024-01-02"),
            "VAL005",
            "symbols",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "start_date": "2024-01-01", "end_date": "2024-01-02", "exchange": "okx_futures" }),
            "VAL005",
            "exchange",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "start_date": "2024-01-01", "end_date": "2024-01-02", "padding_days": 400 }),
            "VAL005",
            "padding_days",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "start": "2024-01-01" }),
            "VAL006",
            "body",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "timeframe": "1m", "start_date": "-262143-01-01", "end_date": "2024-01-02" }),
            "VAL001",
            "start_date",
        ),
        (
            json!({ "symbols": ["BTC/USDT:USDT"], "timeframe": "1m", "start_date": "2020-01-01", "end_date": "2024-01-02" }),
            "VAL001",
            "end_date",
        ),
    ];
    for (body, code, field) in cases {
        let answer = service
            .send("POST", "/api/v1/sync", Some(body.clone()))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.body
        );
        assert_eq!(
            (
                answer.body["code"].as_str(),
                answer.body["details"]["field"].as_str().unwrap_or("-")
            ),
            (Some(code), field),
            "{body}: {}",
            answer.body
        );
    }
    for (query, code) in [
        ("symbol=BTC-USDT", "VAL002"),
        ("symbol=BTC/USDT:USDT&timeframe=7m", "VAL003"),
        ("symbol=BTC/USDT:USDT&start=yesterday", "VAL001"),
        (
            "symbol=BTC/USDT:USDT&start=2024-01-02&end=2024-01-01",
            "VAL001",
        ),
        ("symbol=BTC/USDT:USDT&limit=0", "VAL005"),
        ("timeframe=1h", "VAL004"),
    ] {
        let answer = service
            .send("GET", &format!("/api/v1/ohlcv?{query}"), None)
            .await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{query}: {}",
            answer.body
        );
    }
    let negative = service
        .send("GET", "/api/v1/freshness?max_age_seconds=-1", None)
        .await;
    assert_eq!(negative.body["code"], "VAL005");
    let anonymous = call(
        &service.app,
        "GET",
        "/api/v1/ohlcv?symbol=BTC/USDT:USDT",
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_failing_symbol_does_not_sink_the_others() {
    let service = start().await;
    let answer = service
        .send(
            "POST",
            "/api/v1/sync",
            Some(sync_body(
                &["BTC/USDT:USDT", "SOL/USDT:USDT", "BTC/USDT"],
                "2024-01-01",
                "2024-01-02",
            )),
        )
        .await;
    assert_eq!(answer.status, StatusCode::MULTI_STATUS, "{}", answer.body);
    let statuses: Vec<&str> = answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["synced", "failed", "failed"]);
    assert!(answer.body["results"][1]["error"]["message"]
        .as_str()
        .expect("message")
        .contains("no recorded klines for SOLUSDT 1h"));
    assert!(answer.body["results"][2]["error"]["message"]
        .as_str()
        .expect("message")
        .contains("not a USD-M futures pair"));
}

/// A symbol whose funding cannot be fetched fails as one whose candles cannot: its result says why, with the
/// dependency's status.
#[tokio::test]
async fn a_funding_failure_fails_its_symbol() {
    let config = tradai_test_support::config_with_prefix("tradai");
    let ports = tradai_platform::Ports::memory(&config).expect("recorded pages");
    let source = Arc::new(tradai_market::recorded::FundingDown(
        tradai_market::RecordedSource::new(tradai_market::Recording::bundled().expect("recording")),
    ));
    let service =
        Service::start(|verifier| AppState::new(ports.market.clone(), source, verifier)).await;
    let answer = service
        .send(
            "POST",
            "/api/v1/sync",
            Some(sync_body(&["BTC/USDT:USDT"], "2024-01-01", "2024-01-02")),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    let result = &answer.body["results"][0];
    assert_eq!(result["status"], "failed", "{result}");
    assert_eq!(
        (
            result["error"]["code"].as_str(),
            result["error"]["details"]["dependency"].as_str()
        ),
        (Some("UNAVAILABLE"), Some("binance_futures")),
        "{result}"
    );
    assert!(result.get("funding").is_none(), "{result}");
    let candles = service
        .send(
            "GET",
            "/api/v1/ohlcv?symbol=BTC/USDT:USDT&start=2024-01-01&end=2024-01-02",
            None,
        )
        .await;
    assert_eq!(
        candles.body["count"], 24,
        "the candles synced: the funding is what failed"
    );
}

#[tokio::test]
async fn health_and_the_openapi_document() {
    let service = start().await;
    let health = call(&service.app, "GET", "/api/v1/health", None, &[], None).await;
    assert_eq!(
        (
            health.status,
            health.body["dependencies"]["market store"]["status"].as_str()
        ),
        (StatusCode::OK, Some("healthy"))
    );
    let problems = tradai_service_kit::testing::route_problems(
        &service.app,
        &tradai_data_collection::openapi(),
        &service.key,
        &service.issuer,
    )
    .await;
    assert!(problems.is_empty(), "{problems:#?}");
    insta::assert_json_snapshot!(
        "openapi",
        serde_json::to_value(tradai_data_collection::openapi()).expect("json")
    );
}
