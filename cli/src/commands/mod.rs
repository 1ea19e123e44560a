//! One module per subcommand.

pub mod api;
pub mod backtest;
pub mod config;
pub mod hyperopt;
pub mod infra;
pub mod local;
mod local_states;
pub mod login;
mod needs;
pub mod polling;
pub mod pulumi;
pub mod twin;
