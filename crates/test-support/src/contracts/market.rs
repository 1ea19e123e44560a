//! Contract of the market store: candles under concurrent writers, and the funding history of a perpetual.

use std::sync::Arc;

use tradai_domain::entities::{Candle, FundingRate, Symbol, Timeframe};
use tradai_domain::ports::{MarketStore, Span};
use tradai_domain::DomainError;

/// 2024-03-01T00:00:00Z.
const MARCH_1: i64 = 1_709_251_200_000;
/// 2024-02-01T00:00:00Z.
const FEB_1: i64 = 1_706_745_600_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const WRITERS: i64 = 8;

/// Eight syncs of different days of one month, racing: each reads, merges and replaces the month's object,
/// and every candle each of them wrote is stored (a read-modify-write without a condition keeps only the last).
pub async fn concurrent_market_writers(store: Arc<dyn MarketStore>) {
    let symbol: Symbol = "BTC/USDT:USDT".parse().expect("symbol");
    let day = |d: i64| -> Vec<Candle> {
        (0..24)
            .map(|h| {
                let price = 100.0 + (d * 24 + h) as f64;
                Candle {
                    open_time: MARCH_1 + (d * 24 + h) * HOUR,
                    open: price,
                    high: price + 1.0,
                    low: price - 1.0,
                    close: price,
                    volume: 1.0,
                }
            })
            .collect()
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|d| {
            let (store, symbol) = (store.clone(), symbol.clone());
            let candles = day(d);
            tokio::spawn(async move { store.write(&symbol, Timeframe::H1, &candles).await })
        })
        .collect();
    for writer in writers {
        writer.await.expect("joined").expect("written");
    }
    let stored = store
        .read(
            &symbol,
            Timeframe::H1,
            MARCH_1,
            MARCH_1 + WRITERS * 24 * HOUR,
        )
        .await
        .expect("read");
    let expected: Vec<Candle> = (0..WRITERS).flat_map(day).collect();
    assert_eq!(
        stored.len(),
        expected.len(),
        "every writer's candles are kept (lost: {})",
        expected.len() - stored.len()
    );
    assert_eq!(stored, expected);
}

/// The funding history of a perpetual: events read back oldest first over any range (across a month's
/// objects), merged by time on write, refused whole when one event is invalid, outside its span, or the pair
/// is spot; the spans held in full recorded with their events, joined and clipped to the range asked, also
/// where a span holds no event; and eight racing writers of one month (each its day's span) all kept.
pub async fn funding_history(store: Arc<dyn MarketStore>) {
    let symbol: Symbol = "ETH/USDT:USDT".parse().expect("symbol");
    let event = |time: i64, rate: f64| FundingRate { time, rate };
    let span = |start: i64, end: i64| Span { start, end };
    assert!(
        store
            .read_funding(&symbol, 0, i64::MAX)
            .await
            .expect("read")
            .is_empty(),
        "nothing stored yet"
    );

    // Across the January/February objects, out of order on write.
    let first = [
        event(FEB_1 + 8 * HOUR, -0.0002),
        event(FEB_1 - 8 * HOUR, 0.0001),
        event(FEB_1, 0.0003),
    ];
    assert_eq!(
        store.write_funding(&symbol, &first).await.expect("write"),
        3
    );
    assert_eq!(
        store
            .read_funding(&symbol, FEB_1 - DAY, FEB_1 + DAY)
            .await
            .expect("read"),
        [first[1], first[2], first[0]],
        "oldest first across the month boundary"
    );
    assert_eq!(
        store
            .read_funding(&symbol, FEB_1, FEB_1 + 8 * HOUR)
            .await
            .expect("read"),
        [first[2]],
        "[start, end)"
    );

    // Merged by time: the same time replaces, a new one is added.
    let replaced = event(FEB_1, 0.00025);
    let later = event(FEB_1 + 16 * HOUR, 0.0001);
    store
        .write_funding(&symbol, &[replaced, later])
        .await
        .expect("merge");
    let stored = store
        .read_funding(&symbol, 0, i64::MAX)
        .await
        .expect("read");
    assert_eq!(stored, [first[1], replaced, first[0], later]);

    // One invalid event: nothing written.
    let bad = event(FEB_1 + DAY, 0.5);
    let err = store
        .write_funding(&symbol, &[event(FEB_1 + DAY + 8 * HOUR, 0.0001), bad])
        .await
        .expect_err("a rate beyond 5 %");
    assert!(
        matches!(&err, DomainError::Validation { field, .. } if field == "funding")
            && err.to_string().contains("funding rate 0.5"),
        "{err}"
    );
    assert_eq!(
        store
            .read_funding(&symbol, 0, i64::MAX)
            .await
            .expect("read"),
        stored,
        "nothing written"
    );
    let spot: Symbol = "ETH/USDT".parse().expect("symbol");
    let err = store
        .write_funding(&spot, &[later])
        .await
        .expect_err("spot");
    assert!(err.to_string().contains("not a futures pair"), "{err}");

    // Spans held in full: recorded with their events, joined, clipped; events alone are not coverage.
    assert!(
        store
            .funding_coverage(&symbol, 0, i64::MAX)
            .await
            .expect("coverage")
            .is_empty(),
        "written events do not say a span is complete"
    );
    let err = store
        .write_funding_span(
            &symbol,
            span(FEB_1, FEB_1 + DAY),
            &[event(FEB_1 + DAY, 0.0001)],
        )
        .await
        .expect_err("an event outside the span");
    assert!(err.to_string().contains("outside the span"), "{err}");
    let in_span = event(FEB_1 + 3 * DAY, -0.0001);
    assert_eq!(
        store
            .write_funding_span(
                &symbol,
                span(FEB_1 - 10 * DAY, FEB_1 + 10 * DAY),
                &[in_span]
            )
            .await
            .expect("span"),
        1
    );
    assert_eq!(
        store
            .funding_coverage(&symbol, 0, i64::MAX)
            .await
            .expect("coverage"),
        [span(FEB_1 - 10 * DAY, FEB_1 + 10 * DAY)],
        "one span across two months' objects"
    );
    store
        .write_funding_span(&symbol, span(FEB_1 + 10 * DAY, MARCH_1 + 2 * DAY), &[])
        .await
        .expect("a span without events");
    assert_eq!(
        store
            .funding_coverage(&symbol, FEB_1, MARCH_1 + DAY)
            .await
            .expect("coverage"),
        [span(FEB_1, MARCH_1 + DAY)],
        "touching spans join; clipped to the range asked"
    );
    assert!(
        store
            .read_funding(&symbol, MARCH_1, MARCH_1 + DAY)
            .await
            .expect("read")
            .is_empty(),
        "a covered month without events"
    );
    let mut expected = stored.clone();
    expected.push(in_span);
    assert_eq!(
        store
            .read_funding(&symbol, 0, i64::MAX)
            .await
            .expect("read"),
        expected,
        "the span's events merged with those stored"
    );
    store
        .write_funding(&symbol, &[event(FEB_1 + 2 * DAY, 0.0001)])
        .await
        .expect("write");
    assert_eq!(
        store
            .funding_coverage(&symbol, 0, i64::MAX)
            .await
            .expect("coverage"),
        [span(FEB_1 - 10 * DAY, MARCH_1 + 2 * DAY)],
        "writing keeps the coverage"
    );

    // Racing writers of one month: every event and every span kept.
    let racer: Symbol = "SOL/USDT:USDT".parse().expect("symbol");
    let writers: Vec<_> = (0..WRITERS)
        .map(|d| {
            let (store, symbol) = (store.clone(), racer.clone());
            let start = MARCH_1 + d * DAY;
            let events: Vec<FundingRate> = (0..3)
                .map(|i| event(start + i * 8 * HOUR, 0.0001 * (d + 1) as f64))
                .collect();
            tokio::spawn(async move {
                store
                    .write_funding_span(
                        &symbol,
                        Span {
                            start,
                            end: start + DAY,
                        },
                        &events,
                    )
                    .await
            })
        })
        .collect();
    for writer in writers {
        assert_eq!(writer.await.expect("joined").expect("written"), 3);
    }
    let raced = store
        .read_funding(&racer, MARCH_1, MARCH_1 + WRITERS * DAY)
        .await
        .expect("read");
    assert_eq!(
        raced.len(),
        3 * WRITERS as usize,
        "every writer's events are kept"
    );
    assert_eq!(
        store
            .funding_coverage(&racer, 0, i64::MAX)
            .await
            .expect("coverage"),
        [span(MARCH_1, MARCH_1 + WRITERS * DAY)],
        "every writer's span is kept"
    );
}
