//! `tradai-market`: market data for the data-collection service and backtests (reference §19.2, §20).
//! - [`ParquetStore`]: the market-data store, Parquet objects on the object-store port (S3 or memory):
//!   candles, and the funding events of perpetuals;
//! - [`BinanceFutures`]: the Binance USD-M futures klines and funding-rate source, and [`RecordedSource`]
//!   over recorded pages;
//! - [`sync`]: DB-first full and incremental sync of candles and funding, freshness.

pub mod binance;
mod columnar;
pub mod layout;
mod lazy;
pub mod recorded;
#[cfg(feature = "replay")]
pub mod replay;
mod store;
pub mod sync;

pub use binance::{BinanceFutures, Settings};
pub use columnar::{decode, decode_funding, encode, encode_funding, FundingFile};
pub use lazy::LazyBinance;
pub use recorded::{RecordedSource, Recording};
pub use store::ParquetStore;
