//! The MLflow metadata database.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// RDS PostgreSQL for MLflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// PostgreSQL engine version.
    pub engine_version: String,
    /// Instance class, e.g. `db.t4g.micro`.
    pub instance_class: String,
    /// Initial storage in GiB (20 to 65,536).
    pub allocated_storage_gib: u32,
    /// Storage autoscaling ceiling in GiB (at least `allocated_storage_gib`).
    pub max_allocated_storage_gib: u32,
    /// Whether a standby runs in the second AZ.
    pub multi_az: bool,
    /// Days of automated backups (1 to 35).
    pub backup_retention_days: u32,
    /// Days between rotations of the managed master password.
    pub secret_rotation_days: u32,
    /// Database name.
    pub database_name: String,
    /// PostgreSQL port.
    pub port: u16,
}
