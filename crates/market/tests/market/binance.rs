use std::sync::atomic::Ordering;
use std::time::Duration;

use tradai_domain::entities::Timeframe;
use tradai_domain::ports::CandleSource;
use tradai_domain::{DomainError, ExternalKind};
use tradai_market::replay::{Fault, ReplayServer};
use tradai_market::{BinanceFutures, RecordedSource, Recording, Settings};

use super::{btc, DAY, HOUR, JAN_1};

fn quick() -> Settings {
    Settings {
        backoff: Duration::from_millis(1),
        max_pause: Duration::from_millis(5),
        ..Settings::default()
    }
}

async fn replay() -> (ReplayServer, BinanceFutures) {
    let server = ReplayServer::start(Recording::bundled().expect("recording")).await;
    let adapter = BinanceFutures::new(server.url(), quick()).expect("adapter");
    (server, adapter)
}

#[tokio::test]
async fn pages_through_a_quarter_of_hourly_klines() {
    let (server, adapter) = replay().await;
    let end = JAN_1 + 91 * DAY;
    let candles = adapter
        .candles(&btc(), Timeframe::H1, JAN_1, end)
        .await
        .expect("klines");
    assert_eq!(candles.len(), 91 * 24);
    assert!(
        candles
            .windows(2)
            .all(|w| w[1].open_time - w[0].open_time == HOUR),
        "contiguous, oldest first"
    );
    let starts: Vec<String> = server
        .klines_requests()
        .iter()
        .map(|q| q["startTime"].clone())
        .collect();
    assert_eq!(
        starts,
        [JAN_1.to_string(), (JAN_1 + 1500 * HOUR).to_string()],
        "two pages of 1,500"
    );
    assert!(server
        .klines_requests()
        .iter()
        .all(|q| q["endTime"] == (end - 1).to_string() && q["symbol"] == "BTCUSDT"));

    let recorded = RecordedSource::new(Recording::bundled().expect("recording"));
    let same = recorded
        .candles(&btc(), Timeframe::H1, JAN_1, end)
        .await
        .expect("recorded");
    assert_eq!(same, candles, "the recorded source and the adapter agree");
}

#[tokio::test]
async fn smaller_pages_and_partial_ranges() {
    let server = ReplayServer::start(Recording::bundled().expect("recording")).await;
    let adapter = BinanceFutures::new(
        server.url(),
        Settings {
            page_limit: 100,
            ..quick()
        },
    )
    .expect("adapter");
    let candles = adapter
        .candles(&btc(), Timeframe::H1, JAN_1 + 5 * HOUR, JAN_1 + 255 * HOUR)
        .await
        .expect("klines");
    assert_eq!(
        (candles.len(), candles[0].open_time),
        (250, JAN_1 + 5 * HOUR)
    );
    assert_eq!(server.klines_requests().len(), 3, "100 + 100 + 50");
    let before = adapter
        .candles(&btc(), Timeframe::H1, JAN_1 - 10 * DAY, JAN_1)
        .await
        .expect("empty");
    assert!(before.is_empty(), "nothing recorded before the listing");
}

#[tokio::test]
async fn retries_server_errors_and_honours_rate_limits() {
    let (server, adapter) = replay().await;
    server.fail_next(Fault::Status(500, None));
    server.fail_next(Fault::Status(429, Some(0)));
    server.fail_next(Fault::Status(418, Some(0)));
    server.fail_next(Fault::Weight(2390));
    let candles = adapter
        .candles(&btc(), Timeframe::H1, JAN_1, JAN_1 + DAY)
        .await
        .expect("recovers");
    assert_eq!(candles.len(), 24);
    let stats = adapter.stats();
    let counts = [
        &stats.requests,
        &stats.retries,
        &stats.throttled,
        &stats.pauses,
    ]
    .map(|c| c.load(Ordering::Relaxed));
    assert_eq!(counts, [4, 1, 2, 1], "requests, retries, throttled, pauses");
}

#[tokio::test]
async fn gives_up_after_the_last_attempt_with_a_retriable_error() {
    let (server, adapter) = replay().await;
    for _ in 0..5 {
        server.fail_next(Fault::Status(503, None));
    }
    match adapter
        .candles(&btc(), Timeframe::H1, JAN_1, JAN_1 + DAY)
        .await
    {
        Err(
            e @ DomainError::External {
                kind: ExternalKind::Unavailable,
                ..
            },
        ) => {
            assert!(
                e.to_string().contains("503") && e.to_string().contains("5 attempts"),
                "{e}"
            );
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(server.klines_requests().len(), 5);
}

#[tokio::test]
async fn unknown_pairs_and_the_symbol_list() {
    let (_server, adapter) = replay().await;
    let sol = "SOL/USDT:USDT".parse().expect("symbol");
    let err = adapter
        .candles(&sol, Timeframe::H1, JAN_1, JAN_1 + DAY)
        .await
        .expect_err("no klines");
    assert_eq!(
        err.to_string(),
        "invalid symbol: Binance USD-M futures: Invalid symbol."
    );
    let symbols: Vec<String> = adapter
        .symbols()
        .await
        .expect("symbols")
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        symbols,
        ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"],
        "perpetuals that trade"
    );
    let offline = BinanceFutures::new("http://127.0.0.1:9", quick()).expect("adapter");
    assert!(offline
        .symbols()
        .await
        .expect_err("unreachable")
        .is_retriable());
}
