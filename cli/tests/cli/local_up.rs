//! `tradai local up`: the services start on free ports with a token they accept, answer, and stop on SIGTERM.

use std::time::Duration;

use serde_json::{json, Value};

use crate::platform::LocalPlatform;

#[test]
fn starts_the_services_with_a_working_token_and_stops_on_sigterm() {
    let platform = LocalPlatform::start();
    let (backend, token) = (platform.backend.clone(), platform.token.clone());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        let health = client.get(format!("{backend}/api/v1/health")).send().await.expect("health");
        assert_eq!(health.status(), 200);
        let anonymous = client.get(format!("{backend}/api/v1/backtests")).send().await.expect("list");
        assert_eq!(anonymous.status(), 401, "auth is never switched off");
        let strategies: Value = client
            .get(format!("{backend}/api/v1/strategies"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("strategies through the backend")
            .json()
            .await
            .expect("json");
        assert_eq!(strategies[0]["name"], "sma-crossover");
        let data = &platform.data;
        let synced = client
            .post(format!("{data}/api/v1/sync"))
            .bearer_auth(&token)
            .json(&json!({"symbols": ["BTC/USDT:USDT"], "start_date": "2024-01-01", "end_date": "2024-03-02"}))
            .send()
            .await
            .expect("sync");
        assert_eq!(synced.status(), 200);
        // The printed token is a trader's (`--role`, default trader): research yes, live trading no.
        let live = client
            .post(format!("{backend}/api/v1/strategies/sma-crossover/run"))
            .bearer_auth(&token)
            .json(&json!({"mode": "live"}))
            .send()
            .await
            .expect("run");
        assert_eq!(live.status(), 403);
        let live: Value = live.json().await.expect("json");
        assert_eq!(live["details"]["required_permission"], "trading.live", "{live}");
        assert_eq!(live["details"]["your_roles"], json!(["trader"]), "{live}");
        // A correlation id that is not one (60 KB) is replaced, not echoed or stored.
        let huge = "a".repeat(60_000);
        let answer = client
            .get(format!("{backend}/api/v1/backtests/nope"))
            .bearer_auth(&token)
            .header("X-Correlation-ID", &huge)
            .send()
            .await
            .expect("get");
        let echoed = answer.headers()["x-correlation-id"].to_str().expect("ascii").to_owned();
        assert_eq!(echoed.len(), 36, "a fresh UUID");
        let body: Value = answer.json().await.expect("json");
        assert_eq!(body["correlation_id"], echoed.as_str(), "{body}");
        let candles: Value = client
            .get(format!("{data}/api/v1/ohlcv?symbol=BTC/USDT:USDT&start=2024-01-01&end=2024-01-08&limit=1000"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("ohlcv")
            .json()
            .await
            .expect("json");
        assert_eq!(candles["count"], 7 * 24, "a week of hourly candles from the recorded pages");

        // A backtest on those candles runs in the process and completes.
        let submitted: Value = client
            .post(format!("{backend}/api/v1/backtests"))
            .bearer_auth(&token)
            .json(&json!({"strategy": "sma-crossover", "start_date": "2024-01-01", "end_date": "2024-03-01"}))
            .send()
            .await
            .expect("submit")
            .json()
            .await
            .expect("json");
        let job = submitted["job_id"].as_str().expect("job id").to_owned();
        let mut status = String::new();
        for _ in 0..100 {
            let view: Value = client
                .get(format!("{backend}/api/v1/backtests/{job}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("job")
                .json()
                .await
                .expect("json");
            status = view["status"].as_str().unwrap_or_default().to_owned();
            if status == "COMPLETED" || status == "FAILED" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, "COMPLETED");
        let equity: Value = client
            .get(format!("{backend}/api/v1/backtests/{job}/equity"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("equity")
            .json()
            .await
            .expect("json");
        let points = equity["equity_curve"].as_array().expect("equity curve").len();
        assert_eq!(points, 60 * 24, "one point per hourly candle of [2024-01-01, 2024-03-01)");
    });
    let (exited_cleanly, rest) = platform.stop();
    assert!(exited_cleanly);
    assert_eq!(rest.last().map(String::as_str), Some("stopped"));
}
