//! End-to-end tests of the `tradai` binary: each subcommand, successes and failures.

mod backtest;
mod config_diff;
mod config_promote;
mod config_show;
mod config_validate;
mod deploy;
mod helpers;
mod hyperopt;
mod infra_plan;
mod local_up;
mod login;
mod platform;
mod twin;
mod twin_boot;
mod twin_defects;
mod twin_flows;
mod twin_sweep;
mod twin_up;
