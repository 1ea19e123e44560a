//! The runner's range (decisions F2, F3): the warm-up candles before `start_date` are read and warm the
//! indicators, `end_date` is excluded, a position open at the end is reported, and funding is charged.

use std::sync::Arc;

use serde_json::{json, Value};
use tradai_domain::entities::{
    BacktestConfig, BacktestJob, Candle, FundingRate, Symbol, Timeframe, Timestamp,
};
use tradai_domain::ports::{MarketStore, ObjectStore, StoredObject};
use tradai_domain::JobStatus;

use crate::memory;

const HOUR: i64 = 3_600_000;
/// 2024-01-01T00:00:00Z.
const START: i64 = 1_704_067_200_000;

fn btc() -> Symbol {
    "BTC/USDT:USDT".parse().expect("symbol")
}

/// Flat hourly candles at 100 from `from` (relative to START, in hours) for `hours`, except the closes in
/// `moves` (hour relative to START → close); each candle opens at the previous close.
fn candles(from: i64, hours: i64, moves: &[(i64, f64)]) -> Vec<Candle> {
    let mut price = 100.0;
    (from..from + hours)
        .map(|h| {
            let close = moves
                .iter()
                .find(|(at, _)| *at == h)
                .map_or(price, |(_, c)| *c);
            let (open, high, low) = (price, price.max(close), price.min(close));
            price = close;
            Candle {
                open_time: START + h * HOUR,
                open,
                high,
                low,
                close,
                volume: 1.0,
            }
        })
        .collect()
}

fn job(start: &str, end: &str) -> BacktestJob {
    let config: BacktestConfig = serde_json::from_value(json!({
        "strategy": "sma-crossover", "start_date": start, "end_date": end,
        "symbols": ["BTC/USDT:USDT"], "timeframe": "1h", "stake_amount": 1000.0
    }))
    .expect("config");
    BacktestJob::new(config, Timestamp::now())
}

/// Run `job` on a memory runner whose market holds only `candles` (and `funding`); its result document.
async fn result(
    job: &BacktestJob,
    candles: &[Candle],
    funding: &[FundingRate],
    strategy: Option<Value>,
) -> Value {
    let m = memory().await;
    let market = Arc::new(tradai_market::ParquetStore::new(Arc::new(
        tradai_memory::MemoryObjectStore::new(),
    )));
    market
        .write(&btc(), Timeframe::H1, candles)
        .await
        .expect("candles");
    market
        .write_funding(&btc(), funding)
        .await
        .expect("funding");
    if let Some(document) = strategy {
        let object = StoredObject {
            body: serde_json::to_vec(&document).expect("json"),
            content_type: "application/json".into(),
            metadata: Default::default(),
        };
        m.runner
            .configs
            .put("strategies/sma-crossover.json", object)
            .await
            .expect("strategy");
    }
    let runner = tradai_backtest_runner::Runner {
        market,
        ..m.runner.clone()
    };
    runner.jobs.create(job).await.expect("create");
    let outcome = runner.run(&job.job_id).await.expect("runs");
    assert_eq!(
        (outcome.status, outcome.error),
        (JobStatus::Completed, None)
    );
    let stored = m
        .results
        .get(&outcome.result_key.expect("key"))
        .await
        .expect("result");
    serde_json::from_slice(&stored.body).expect("json")
}

#[tokio::test]
async fn a_crossover_two_candles_after_the_start_is_traded() {
    // SMA 20/50: 60 flat hours before 2024-01-01 warm both averages; the close of the range's third candle
    // (02:00) jumps, so SMA 20 crosses above SMA 50 there and the entry fills at 03:00's open.
    let data = candles(-60, 100, &[(2, 110.0)]);
    let doc = result(&job("2024-01-01", "2024-01-05"), &data, &[], None).await;
    assert_eq!(doc["startup_candles"], 50);
    assert_eq!(
        doc["trades"][0]["entry_date"], "2024-01-01T03:00:00Z",
        "{}",
        doc["trades"]
    );
    assert_eq!(
        doc["metrics"]["candles"], 40,
        "the warm-up is not traded: 00:00 to 15:00 only, 40 hours in all"
    );
    // Without the warm-up in the store, SMA 50 is cold for 49 candles and the crossover is missed.
    let cold = result(&job("2024-01-01", "2024-01-05"), &data[60..], &[], None).await;
    assert!(
        cold["trades"].as_array().expect("trades").is_empty(),
        "{}",
        cold["trades"]
    );
}

#[tokio::test]
async fn the_range_includes_its_start_and_excludes_its_end() {
    // Candles from 23:00 the day before to 01:00 the day after: the range [2024-01-01, 2024-01-02) trades
    // exactly the 24 candles of 2024-01-01, and the position still open at 23:00 closes there.
    let data = candles(-60, 86, &[(2, 110.0), (24, 200.0)]);
    let doc = result(&job("2024-01-01", "2024-01-02"), &data, &[], None).await;
    assert_eq!(doc["metrics"]["candles"], 24);
    assert_eq!(doc["equity_curve"][0]["date"], "2024-01-01T00:00:00Z");
    let last = doc["equity_curve"]
        .as_array()
        .and_then(|c| c.last())
        .expect("points")
        .clone();
    assert_eq!(
        last["date"], "2024-01-01T23:00:00Z",
        "the end day's 00:00 candle is not in the range"
    );
    let trade = &doc["trades"][0];
    assert_eq!(
        (&trade["exit_date"], &trade["exit_reason"]),
        (&json!("2024-01-01T23:00:00Z"), &json!("end_of_range"))
    );
    assert!(
        trade["exit_price"].as_f64().expect("price") < 111.0,
        "closed at 23:00's close, not at the jump to 200"
    );
    assert_eq!(
        doc["per_symbol"]["BTC/USDT:USDT"]["exit_reasons"]["end_of_range"],
        1
    );
}

#[tokio::test]
async fn a_futures_position_pays_funding_at_the_funding_times() {
    // The long held from 03:00 to the range's end pays the 08:00 and 16:00 events (0.01 % of its notional at
    // those candles' opens, 110) but not the one before it opened.
    let data = candles(-60, 84, &[(2, 110.0)]);
    let rate = |hour: i64| FundingRate {
        time: START + hour * HOUR,
        rate: 0.0001,
    };
    let doc = result(
        &job("2024-01-01", "2024-01-02"),
        &data,
        &[rate(0), rate(8), rate(16)],
        None,
    )
    .await;
    let trade = &doc["trades"][0];
    let quantity = trade["quantity"].as_f64().expect("quantity");
    let paid = trade["funding_fees"].as_f64().expect("funding");
    assert!(
        (paid + 2.0 * quantity * 110.0 * 0.0001).abs() < 1e-9,
        "{paid} for {quantity} units"
    );
    assert!(
        (doc["per_symbol"]["BTC/USDT:USDT"]["funding_fees"]
            .as_f64()
            .expect("sum")
            - paid)
            .abs()
            < 1e-12
    );
}

#[tokio::test]
async fn a_declared_startup_count_loads_that_many_candles() {
    // A strategy declaring 60 candles reads 60 before the range; with only 55 stored before it, the first
    // five are missing and the warm-up is shorter, but the run still trades what it has.
    let strategy: Value = serde_json::from_str(crate::SMA_CROSSOVER).expect("json");
    let mut strategy = strategy;
    strategy["startup_candle_count"] = json!(60);
    // The sample's search space reaches 120 candles; this strategy is swept by no one.
    strategy
        .as_object_mut()
        .expect("object")
        .remove("search_space");
    let data = candles(-55, 95, &[(2, 110.0)]);
    let doc = result(&job("2024-01-01", "2024-01-02"), &data, &[], Some(strategy)).await;
    assert_eq!(doc["startup_candles"], 60);
    assert_eq!(doc["trades"][0]["entry_date"], "2024-01-01T03:00:00Z");
}
