//! The first layer: built-in defaults that `base.toml` may omit.

use serde_json::{json, Value};

/// Values every environment gets unless a file or a `TRADAI_*` variable says otherwise.
pub fn rust_defaults() -> Value {
    json!({
        "project": { "name": "tradai", "pulumi_organization": "organization" },
        "network": { "flow_logs": true },
        "compute": { "service_discovery_namespace": "tradai.local", "container_insights": false, "image_tag": "latest" },
        "ecr": { "image_retention_count": 10, "scan_on_push": true },
        "dynamodb": { "deletion_protection": false },
        "logging": { "retention_days": 30 },
    })
}
