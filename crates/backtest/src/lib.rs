//! `tradai-backtest`: the engine that evaluates declarative strategies (decision S11) over candles: one symbol,
//! or a portfolio sharing one wallet (decision F4).

mod book;
pub mod engine;
pub mod indicators;
pub mod metrics;
mod position;
pub mod report;
pub mod signals;
pub mod synthetic;

pub use engine::{
    backtest, run, BacktestError, ExitReason, Market, Portfolio, Report, Settings, Trade, Window,
};
pub use metrics::Metrics;
pub use position::Side;
pub use report::{Summary, SymbolReport};
