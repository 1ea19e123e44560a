//! Targets with recognisable fake ARNs, for tests, snapshots and documentation.

use std::collections::BTreeMap;

use tradai_config::Config;

use crate::targets::{Capacity, Targets};

/// Targets named after `config`'s resources in account 123456789012 (no real deployment).
pub fn targets(config: &Config) -> Targets {
    let names = config.names();
    let region = &config.settings().aws.region;
    let functions: BTreeMap<String, String> = config
        .settings()
        .lambdas
        .keys()
        .map(|key| {
            (
                key.clone(),
                format!(
                    "arn:aws:lambda:{region}:123456789012:function:{}",
                    names.function(key)
                ),
            )
        })
        .collect();
    Targets {
        functions,
        cluster: format!(
            "arn:aws:ecs:{region}:123456789012:cluster/{}",
            names.ecs_cluster()
        ),
        strategy_task_definition: names.ecs_service(
            config
                .service_component("strategy-container")
                .unwrap_or("strategy-generic"),
        ),
        container_name: "strategy".into(),
        subnets: vec!["subnet-private-1".into(), "subnet-private-2".into()],
        security_groups: vec!["sg-ecs".into()],
        capacity: Capacity::FargateSpot,
        retraining_table: names.table("retraining-state").to_string(),
        results_bucket: names.bucket("results").to_string(),
    }
}
