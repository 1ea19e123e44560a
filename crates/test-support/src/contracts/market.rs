//! Contract of the market store under concurrent writers.

use std::sync::Arc;

use tradai_domain::entities::{Candle, Symbol, Timeframe};
use tradai_domain::ports::MarketStore;

/// 2024-03-01T00:00:00Z.
const MARCH_1: i64 = 1_709_251_200_000;
const HOUR: i64 = 3_600_000;
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
