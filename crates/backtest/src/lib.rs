//! `tradai-backtest`: the engine that evaluates declarative strategies (decision S11) over candles.

pub mod engine;
pub mod indicators;
pub mod metrics;
pub mod signals;
pub mod synthetic;

pub use engine::{run, BacktestError, ExitReason, Report, Settings, Trade};
pub use metrics::Metrics;
