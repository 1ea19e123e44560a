use std::sync::atomic::Ordering;
use std::time::Duration;

use tradai_domain::entities::{FundingRate, Symbol, Timeframe};
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

const EIGHT_HOURS: i64 = 8 * HOUR;

/// A quarter of funding events in pages of 100: each at its funding instant (the recorded settlement stamps
/// are a few ms past the hour), every 8 hours, oldest first; the next page starts after the last stamp.
#[tokio::test]
async fn pages_through_a_quarter_of_funding_events() {
    let server = ReplayServer::start(Recording::bundled().expect("recording")).await;
    let adapter = BinanceFutures::new(
        server.url(),
        Settings {
            funding_page_limit: 100,
            ..quick()
        },
    )
    .expect("adapter");
    let end = JAN_1 + 91 * DAY;
    let events = adapter
        .funding_rates(&btc(), JAN_1, end)
        .await
        .expect("funding");
    assert_eq!(events.len(), 91 * 3);
    let times: Vec<i64> = events.iter().map(|e| e.time).collect();
    let expected: Vec<i64> = (0..91 * 3).map(|i| JAN_1 + i * EIGHT_HOURS).collect();
    assert_eq!(times, expected, "00:00, 08:00, 16:00, oldest first");
    assert!(events.iter().all(|e| e.problem().is_none()));
    assert!(
        events.iter().any(|e| e.rate < 0.0)
            && events.iter().filter(|e| e.rate == 0.0001).count() > 150,
        "mostly 0.01 %, some negative"
    );
    let requests = server.funding_requests();
    assert_eq!(requests.len(), 3, "100 + 100 + 73");
    assert_eq!(requests[0]["startTime"], JAN_1.to_string());
    let second: i64 = requests[1]["startTime"].parse().expect("number");
    assert!(
        second > JAN_1 + 99 * EIGHT_HOURS && second < JAN_1 + 99 * EIGHT_HOURS + 20,
        "the 100th event's stamp + 1: {second}"
    );
    assert!(requests
        .iter()
        .all(|q| q["endTime"] == (end - 1).to_string()
            && q["symbol"] == "BTCUSDT"
            && q["limit"] == "100"));

    let recorded = RecordedSource::new(Recording::bundled().expect("recording"));
    assert_eq!(
        recorded
            .funding_rates(&btc(), JAN_1, end)
            .await
            .expect("recorded"),
        events,
        "the recorded source and the adapter agree"
    );
}

/// `[start, end)` is on funding instants: the 16:00 event settled at 16:00:00.00x is not in a range ending at
/// 16:00, and the 08:00 one is in a range starting at 08:00.
#[tokio::test]
async fn a_range_holds_the_events_whose_instant_is_inside() {
    let (server, adapter) = replay().await;
    let events = adapter
        .funding_rates(&btc(), JAN_1 + EIGHT_HOURS, JAN_1 + 2 * EIGHT_HOURS)
        .await
        .expect("funding");
    let times: Vec<i64> = events.iter().map(|e| e.time).collect();
    assert_eq!(times, [JAN_1 + EIGHT_HOURS]);
    assert_eq!(server.funding_requests().len(), 1, "one short page");
    let before = adapter
        .funding_rates(&btc(), JAN_1 - 10 * DAY, JAN_1)
        .await
        .expect("empty");
    assert!(before.is_empty(), "nothing recorded before the listing");
}

/// A 429 and then a request that outlives the client's timeout: both retried, nothing lost.
#[tokio::test]
async fn funding_survives_a_rate_limit_and_a_timeout() {
    let server = ReplayServer::start(Recording::bundled().expect("recording")).await;
    let adapter = BinanceFutures::new(
        server.url(),
        Settings {
            request_timeout: Duration::from_millis(200),
            ..quick()
        },
    )
    .expect("adapter");
    server.fail_next(Fault::Status(429, Some(0)));
    server.fail_next(Fault::Stall(Duration::from_secs(2)));
    let events = adapter
        .funding_rates(&btc(), JAN_1, JAN_1 + DAY)
        .await
        .expect("recovers");
    assert_eq!(events.len(), 3);
    let stats = adapter.stats();
    let counts =
        [&stats.requests, &stats.retries, &stats.throttled].map(|c| c.load(Ordering::Relaxed));
    assert_eq!(
        counts,
        [3, 1, 1],
        "requests, retries (the timeout), throttled"
    );
    assert_eq!(server.funding_requests().len(), 3);
}

/// Throttled on every attempt: a retriable error naming the endpoint.
#[tokio::test]
async fn funding_gives_up_throttled_after_the_last_attempt() {
    let (server, adapter) = replay().await;
    for _ in 0..5 {
        server.fail_next(Fault::Status(429, Some(0)));
    }
    let err = adapter
        .funding_rates(&btc(), JAN_1, JAN_1 + DAY)
        .await
        .expect_err("throttled");
    assert!(
        matches!(
            err,
            DomainError::External {
                kind: ExternalKind::Throttled,
                ..
            }
        ) && err.to_string().contains("/fapi/v1/fundingRate"),
        "{err}"
    );
}

/// A spot pair pays no funding: empty, and the exchange is not asked; an unlisted perpetual is Binance's
/// invalid symbol.
#[tokio::test]
async fn a_spot_pair_has_no_funding() {
    let (server, adapter) = replay().await;
    let spot: Symbol = "BTC/USDT".parse().expect("symbol");
    assert_eq!(
        adapter
            .funding_rates(&spot, JAN_1, JAN_1 + DAY)
            .await
            .expect("empty"),
        Vec::<FundingRate>::new()
    );
    assert!(server.funding_requests().is_empty(), "nothing asked");
    let recorded = RecordedSource::new(Recording::bundled().expect("recording"));
    assert!(recorded
        .funding_rates(&spot, JAN_1, JAN_1 + DAY)
        .await
        .expect("empty")
        .is_empty());
    let sol: Symbol = "SOL/USDT:USDT".parse().expect("symbol");
    let err = adapter
        .funding_rates(&sol, JAN_1, JAN_1 + DAY)
        .await
        .expect_err("not recorded");
    assert_eq!(
        err.to_string(),
        "invalid symbol: Binance USD-M futures: Invalid symbol."
    );
    let err = recorded
        .funding_rates(&sol, JAN_1, JAN_1 + DAY)
        .await
        .expect_err("not recorded");
    assert!(
        err.to_string()
            .contains("no recorded funding rates for SOLUSDT; recorded: BTCUSDT, ETHUSDT"),
        "{err}"
    );
}
