//! One module per subcommand.

pub mod config;
pub mod infra;
pub mod local;
