//! What the workflows call: function ARNs, the ECS cluster and network, the retraining table. The compute stack
//! fills it with deploy-time ARNs; the local executor with the names its in-process handlers answer to.

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// How the workflow's ECS tasks get capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Fargate,
    FargateSpot,
}

/// The resources a definition names.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Lambda ARN (or name) by function key (`validate-strategy`, …).
    pub functions: BTreeMap<String, String>,
    /// ECS cluster ARN or name.
    pub cluster: String,
    /// Task definition family (or ARN) of the generic strategy container, run by the retraining workflow.
    pub strategy_task_definition: String,
    /// Name of the container to override in strategy tasks.
    pub container_name: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub capacity: Capacity,
    /// Name of the retraining-state table (UpdateRetrainingState writes `last_retrained` there).
    pub retraining_table: String,
    /// Name of the results bucket (the hyperopt Map's items and results).
    pub results_bucket: String,
}

impl Targets {
    /// The ARN of function `key`; a definition built without it names `${function:<key>}`, which no deployment
    /// accepts, so a missing function fails loudly at create time instead of calling the wrong one.
    pub fn function(&self, key: &str) -> String {
        self.functions
            .get(key)
            .cloned()
            .unwrap_or_else(|| format!("${{function:{key}}}"))
    }

    /// `runTask` parameters shared by every ECS state: cluster, capacity, network, tag propagation.
    pub(crate) fn run_task(&self) -> Value {
        let provider = match self.capacity {
            Capacity::Fargate => "FARGATE",
            Capacity::FargateSpot => "FARGATE_SPOT",
        };
        json!({
            "Cluster": self.cluster,
            "CapacityProviderStrategy": [{"CapacityProvider": provider, "Weight": 1}],
            "NetworkConfiguration": {"AwsvpcConfiguration": {
                "Subnets": self.subnets,
                "SecurityGroups": self.security_groups,
                "AssignPublicIp": "DISABLED",
            }},
            "PropagateTags": "TASK_DEFINITION",
        })
    }
}
