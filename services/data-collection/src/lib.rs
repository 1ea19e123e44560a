//! `tradai-data-collection`: the data-collection service on :8002 (reference §7.3). A library (router +
//! state) and a thin binary. Candles come from a [`CandleSource`] (Binance USD-M futures, or its recorded
//! pages for the embedded default) and live in a [`MarketStore`] (Parquet objects in the market-data bucket).
//!
//! Routes: `POST /api/v1/sync` (a date range, DB-first), `POST /api/v1/sync/incremental`, `GET
//! /api/v1/freshness`, `GET /api/v1/symbols`, `GET /api/v1/ohlcv`, `GET /api/v1/status`, `GET /api/v1/health`.

pub mod routes;
pub mod settings;
mod state;

pub use routes::{candles, openapi, router, sync};
pub use state::{AppState, SeriesLock, SeriesLocks};

/// Milliseconds since the epoch, now.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A time in ms as ISO 8601 (`2024-01-01T00:00:00Z`).
pub fn iso(millis: i64) -> String {
    tradai_domain::entities::Timestamp::from_millis(millis).iso_seconds()
}
