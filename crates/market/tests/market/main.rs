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
