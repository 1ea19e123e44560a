use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tradai_domain::entities::{Candle, Symbol, Timeframe};
use tradai_domain::ports::{MarketStore, ObjectStore};
use tradai_domain::DomainError;
use tradai_market::replay::ReplayServer;
use tradai_market::sync::{sync_funding, sync_incremental, sync_range, Span};
use tradai_market::{BinanceFutures, ParquetStore, RecordedSource, Recording, Settings};
use tradai_memory::MemoryObjectStore;

use super::{btc, DAY, HOUR, JAN_1};

struct Fixture {
    server: ReplayServer,
    source: BinanceFutures,
    objects: Arc<MemoryObjectStore>,
    store: ParquetStore,
}

async fn fixture() -> Fixture {
    let server = ReplayServer::start(Recording::bundled().expect("recording")).await;
    let source = BinanceFutures::new(
        server.url(),
        Settings {
            backoff: Duration::from_millis(1),
            ..Settings::default()
        },
    )
    .expect("adapter");
    let objects = Arc::new(MemoryObjectStore::new());
    let store = ParquetStore::new(objects.clone());
    Fixture {
        server,
        source,
        objects,
        store,
    }
}

/// Far in the future: every recorded candle is closed.
const NOW: i64 = JAN_1 + 365 * DAY;

impl Fixture {
    /// BTC's hourly candles (and funding) synced over `range` at `now`.
    async fn sync(&self, range: (i64, i64), now: i64) -> tradai_market::sync::SyncOutcome {
        sync_range(&self.store, &self.source, &btc(), Timeframe::H1, range, now)
            .await
            .expect("sync")
    }

    /// BTC's funding synced over `range` at `now`.
    async fn funding(&self, range: (i64, i64), now: i64) -> tradai_market::sync::FundingOutcome {
        sync_funding(&self.store, &self.source, &btc(), range, now)
            .await
            .expect("sync")
            .expect("funding")
    }
}

#[tokio::test]
async fn fetches_only_what_the_store_lacks() {
    let f = fixture().await;
    let first = f.sync((JAN_1, JAN_1 + 10 * DAY), NOW).await;
    assert_eq!((first.already_stored, first.fetched), (0, 240));
    let wider = f.sync((JAN_1, JAN_1 + 40 * DAY), NOW).await;
    assert_eq!((wider.already_stored, wider.fetched), (240, 720));
    assert_eq!(
        wider.fetched_ranges,
        [Span {
            start: JAN_1 + 10 * DAY,
            end: JAN_1 + 40 * DAY
        }]
    );
    let requests = f.server.klines_requests().len();
    let again = f.sync((JAN_1, JAN_1 + 40 * DAY), NOW).await;
    assert_eq!((again.fetched, again.fetched_ranges.len()), (0, 0));
    assert_eq!(
        f.server.klines_requests().len(),
        requests,
        "a covered range asks the exchange nothing"
    );

    let keys = f.objects.list("ohlcv/").await.expect("list");
    assert_eq!(
        keys,
        [
            "ohlcv/BTC_USDT_USDT/1h/2024-01.parquet",
            "ohlcv/BTC_USDT_USDT/1h/2024-02.parquet"
        ]
    );
    let stored = f
        .store
        .read(&btc(), Timeframe::H1, JAN_1, JAN_1 + 40 * DAY)
        .await
        .expect("read");
    assert_eq!(
        stored.len(),
        960,
        "one candle per hour across the month boundary"
    );
}

#[tokio::test]
async fn fills_holes_and_stops_at_the_last_closed_candle() {
    let f = fixture().await;
    f.sync((JAN_1, JAN_1 + 2 * DAY), NOW).await;
    // Take out hours 5..8 of the first day by rewriting the month without them.
    let kept: Vec<Candle> = f
        .store
        .read(&btc(), Timeframe::H1, JAN_1, JAN_1 + 2 * DAY)
        .await
        .expect("read")
        .into_iter()
        .filter(|c| !(JAN_1 + 5 * HOUR..JAN_1 + 8 * HOUR).contains(&c.open_time))
        .collect();
    f.objects
        .delete("ohlcv/BTC_USDT_USDT/1h/2024-01.parquet")
        .await
        .expect("delete");
    f.store
        .write(&btc(), Timeframe::H1, &kept)
        .await
        .expect("rewrite");
    let now = JAN_1 + 2 * DAY + 30 * 60_000; // half past midnight: the 00:00 candle is still open
    let outcome = f.sync((JAN_1, JAN_1 + 3 * DAY), now).await;
    assert_eq!(
        outcome.range,
        Span {
            start: JAN_1,
            end: JAN_1 + 2 * DAY
        },
        "bounded by the last closed candle"
    );
    assert_eq!(
        outcome.fetched_ranges,
        [Span {
            start: JAN_1 + 5 * HOUR,
            end: JAN_1 + 8 * HOUR
        }]
    );
    assert_eq!(outcome.fetched, 3);
}

#[tokio::test]
async fn incremental_sync_continues_after_the_newest_candle() {
    let f = fixture().await;
    let err = sync_incremental(
        &f.store,
        &f.source,
        &btc(),
        Timeframe::H1,
        None,
        JAN_1 + DAY,
    )
    .await
    .expect_err("first sync");
    assert!(err.to_string().contains("start_date"), "{err}");
    sync_incremental(
        &f.store,
        &f.source,
        &btc(),
        Timeframe::H1,
        Some(JAN_1),
        JAN_1 + DAY,
    )
    .await
    .expect("first");
    let next = sync_incremental(
        &f.store,
        &f.source,
        &btc(),
        Timeframe::H1,
        None,
        JAN_1 + 3 * DAY,
    )
    .await
    .expect("next");
    assert_eq!(
        next.range,
        Span {
            start: JAN_1 + DAY,
            end: JAN_1 + 3 * DAY
        }
    );
    assert_eq!((next.already_stored, next.fetched), (0, 48));
    let coverage = f
        .store
        .coverage(&btc(), Timeframe::H1)
        .await
        .expect("coverage")
        .expect("stored");
    assert_eq!(
        (coverage.first, coverage.last),
        (JAN_1, JAN_1 + 3 * DAY - HOUR)
    );
    assert_eq!(f.store.series().await.expect("series"), [coverage]);
}

#[tokio::test]
async fn an_invalid_candle_writes_nothing() {
    let f = fixture().await;
    let good = Candle {
        open_time: JAN_1,
        open: 10.0,
        high: 11.0,
        low: 9.0,
        close: 10.5,
        volume: 1.0,
    };
    let bad = Candle {
        open_time: JAN_1 + HOUR,
        high: 8.0,
        ..good
    };
    let err = f
        .store
        .write(&btc(), Timeframe::H1, &[good, bad])
        .await
        .expect_err("invalid");
    assert!(
        matches!(&err, DomainError::Validation { field, .. } if field == "candles"),
        "{err}"
    );
    assert!(err.to_string().contains("high 8"), "{err}");
    assert!(
        f.objects.list("ohlcv/").await.expect("list").is_empty(),
        "nothing written"
    );
    let replaced = Candle {
        close: 10.8,
        ..good
    };
    f.store
        .write(&btc(), Timeframe::H1, &[good])
        .await
        .expect("write");
    f.store
        .write(&btc(), Timeframe::H1, &[replaced])
        .await
        .expect("replace");
    let stored = f
        .store
        .read(&btc(), Timeframe::H1, JAN_1, JAN_1 + DAY)
        .await
        .expect("read");
    assert_eq!(stored, [replaced], "the same open time replaces");
    let object = f
        .objects
        .get("ohlcv/BTC_USDT_USDT/1h/2024-01.parquet")
        .await
        .expect("object");
    assert_eq!(
        object.metadata,
        BTreeMap::from([
            ("rows".into(), "1".into()),
            ("symbol".into(), "BTC/USDT:USDT".into()),
            ("timeframe".into(), "1h".into())
        ])
    );
}

/// Funding is synced with the candles over the same range, DB-first: a second sync asks the exchange for
/// nothing, a wider one only for what is new, and a month synced whole is never asked for again.
#[tokio::test]
async fn funding_is_synced_with_the_candles_and_only_once() {
    let f = fixture().await;
    let first = f.sync((JAN_1, JAN_1 + 40 * DAY), NOW).await;
    let funding = first.funding.expect("a perpetual's funding");
    let range = Span {
        start: JAN_1,
        end: JAN_1 + 40 * DAY,
    };
    assert_eq!(
        (
            funding.range,
            funding.already_stored,
            funding.fetched,
            funding.stored
        ),
        (range, 0, 120, 120),
        "three events a day"
    );
    assert_eq!(funding.fetched_ranges, [range]);
    assert_eq!(f.server.funding_requests().len(), 1);
    assert_eq!(
        f.objects.list("funding/").await.expect("list"),
        [
            "funding/BTC_USDT_USDT/2024-01.parquet",
            "funding/BTC_USDT_USDT/2024-02.parquet"
        ]
    );
    let stored = f
        .store
        .read_funding(&btc(), JAN_1, JAN_1 + 40 * DAY)
        .await
        .expect("read");
    assert_eq!(stored.len(), 120);
    assert_eq!(stored[1].time, JAN_1 + 8 * HOUR, "at the funding instant");

    let again = f
        .sync((JAN_1, JAN_1 + 40 * DAY), NOW)
        .await
        .funding
        .expect("funding");
    assert_eq!(
        (again.already_stored, again.fetched, again.stored),
        (120, 0, 120)
    );
    assert!(again.fetched_ranges.is_empty());
    assert_eq!(
        f.server.funding_requests().len(),
        1,
        "a covered range asks the exchange nothing"
    );

    let wider = f.funding((JAN_1 - 5 * DAY, JAN_1 + 60 * DAY), NOW).await;
    assert_eq!(
        wider.fetched_ranges,
        [
            Span {
                start: JAN_1 - 5 * DAY,
                end: JAN_1
            },
            Span {
                start: JAN_1 + 40 * DAY,
                end: JAN_1 + 60 * DAY
            }
        ],
        "only the parts not held in full, the time before the listing included"
    );
    assert_eq!((wider.fetched, wider.stored), (60, 180));
    let requests = f.server.funding_requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[1]["startTime"],
        (JAN_1 - 5 * DAY).to_string(),
        "the gap before the listing is asked once"
    );
    let after = f.funding((JAN_1 - 5 * DAY, JAN_1 + 60 * DAY), NOW).await;
    assert_eq!((after.fetched, after.fetched_ranges.len()), (0, 0));
    assert_eq!(
        f.server.funding_requests().len(),
        3,
        "a range without events, once held in full, is not asked again"
    );
}

/// The newest hour is left to the next sync: an event is asked for once it has settled, and the next sync
/// continues from where the last one stopped.
#[tokio::test]
async fn funding_stops_an_hour_before_now_and_continues_from_there() {
    let f = fixture().await;
    let now = JAN_1 + DAY + 30 * 60_000;
    let early = f.funding((JAN_1, JAN_1 + 3 * DAY), now).await;
    assert_eq!(
        early.range,
        Span {
            start: JAN_1,
            end: now - HOUR
        }
    );
    assert_eq!(early.fetched, 3, "00:00, 08:00 and 16:00 of the first day");
    let later = f.funding((JAN_1, JAN_1 + 3 * DAY), NOW).await;
    assert_eq!(
        later.fetched_ranges,
        [Span {
            start: now - HOUR,
            end: JAN_1 + 3 * DAY
        }]
    );
    assert_eq!(
        (later.already_stored, later.fetched, later.stored),
        (3, 6, 9)
    );
}

/// A spot pair pays no funding: its sync has no funding part, and neither the store nor the exchange is
/// asked for any.
#[tokio::test]
async fn a_spot_pair_syncs_no_funding() {
    let f = fixture().await;
    let spot: Symbol = "BTC/USDT".parse().expect("symbol");
    let outcome = sync_funding(&f.store, &f.source, &spot, (JAN_1, JAN_1 + DAY), NOW)
        .await
        .expect("no funding");
    assert_eq!(outcome, None);
    assert!(f.server.funding_requests().is_empty());
    assert!(f.objects.list("funding/").await.expect("list").is_empty());
}

/// A funding failure fails the sync; the candles it wrote stay, and nothing is recorded as held for funding.
#[tokio::test]
async fn a_funding_failure_fails_the_sync() {
    let f = fixture().await;
    let source = tradai_market::recorded::FundingDown(RecordedSource::new(
        Recording::bundled().expect("recording"),
    ));
    let err = sync_range(
        &f.store,
        &source,
        &btc(),
        Timeframe::H1,
        (JAN_1, JAN_1 + DAY),
        NOW,
    )
    .await
    .expect_err("funding down");
    assert!(
        err.is_retriable() && err.to_string().contains("fundingRate"),
        "{err}"
    );
    assert_eq!(
        f.store
            .read(&btc(), Timeframe::H1, JAN_1, JAN_1 + DAY)
            .await
            .expect("read")
            .len(),
        24
    );
    assert!(f
        .store
        .funding_coverage(&btc(), 0, i64::MAX)
        .await
        .expect("coverage")
        .is_empty());
}
