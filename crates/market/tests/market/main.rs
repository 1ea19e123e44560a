//! The Binance adapter against the replay server (recorded pages), and DB-first sync into the Parquet store.

mod binance;
mod sync;

use tradai_domain::entities::Symbol;

/// 2024-01-01T00:00:00Z, the first recorded candle.
const JAN_1: i64 = 1_704_067_200_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn btc() -> Symbol {
    "BTC/USDT:USDT".parse().expect("symbol")
}

/// Racing syncs of one month on the in-memory bucket keep every candle (conditional puts, merged again on a
/// lost race).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_of_one_period_lose_no_candle() {
    let objects = std::sync::Arc::new(tradai_memory::MemoryObjectStore::new());
    tradai_test_support::contracts::concurrent_market_writers(std::sync::Arc::new(
        tradai_market::ParquetStore::new(objects),
    ))
    .await;
}

/// The funding history of a perpetual on the in-memory bucket: the store's contract (reads over any range,
/// merges, refusals, spans held in full, racing writers).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn funding_history_on_the_memory_bucket() {
    let objects = std::sync::Arc::new(tradai_memory::MemoryObjectStore::new());
    tradai_test_support::contracts::funding_history(std::sync::Arc::new(
        tradai_market::ParquetStore::new(objects),
    ))
    .await;
}
