//! The 18 handlers of reference §10.2, one file each, named after its function key (`tradai_config::Function`):
//! `handlers::validate_strategy` is `validate-strategy`. Each is a [`crate::registry::Handler`]: a struct owning
//! its ports, its typed `Input` and `Output`, and `handle`.

pub mod backtest_consumer;
pub mod check_retraining_needed;
pub mod cleanup_resources;
pub mod compare_models;
pub mod data_collection_proxy;
pub mod drift_monitor;
pub mod health_check;
pub mod job_sweeper;
pub mod launch;
pub mod model_rollback;
pub mod notify_completion;
pub mod orphan_scanner;
pub mod promote_model;
pub mod pulumi_drift_detector;
pub mod retraining_scheduler;
pub mod sqs_consumer;
pub mod trading_heartbeat_check;
pub mod update_nat_routes;
pub mod update_status;
pub mod validate_strategy;
