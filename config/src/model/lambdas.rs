//! Lambda functions and what triggers them.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One Lambda function, deployed as a container image from its own ECR repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LambdaSpec {
    /// Memory in MB (128 to 10,240).
    pub memory_mb: u32,
    /// Timeout in seconds (1 to 900).
    pub timeout_seconds: u32,
    /// What invokes it.
    pub triggers: Vec<Trigger>,
    /// Whether it runs in the private subnets (needed to reach services and RDS).
    #[serde(default)]
    pub vpc: bool,
    /// CPU architecture of its image.
    #[serde(default)]
    pub architecture: Architecture,
    /// Reserved concurrency, if capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u32>,
    /// Environment variables. Values are literals or references resolved from this config:
    /// `${table:<key>}`, `${bucket:<key>}`, `${queue-url:<key>}`, `${topic-arn:<key>}`, `${workflow-arn:<key>}`,
    /// `${service-url:<key>}`, `${task-family:<key>}`, `${cluster}`, `${namespace}`, `${env}`,
    /// `${deploy:<output>}` (an upstream stack output) and `${secret:<name>}` (a Secrets Manager ARN).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

impl LambdaSpec {
    /// The function timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.into())
    }

    /// The EventBridge schedules among the triggers.
    pub fn schedules(&self) -> impl Iterator<Item = &str> {
        self.triggers.iter().filter_map(|t| match t {
            Trigger::Schedule { expression } => Some(expression.as_str()),
            _ => None,
        })
    }
}

/// Instruction set of a Lambda image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    #[default]
    Arm64,
    X86_64,
}

/// An event source of a Lambda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Trigger {
    /// An SQS event-source mapping.
    Sqs {
        /// Key of the queue in `queues`.
        queue: String,
        /// Messages per invocation (1 to 10 for FIFO queues).
        batch_size: u32,
    },
    /// An EventBridge schedule.
    Schedule {
        /// `rate(...)` or `cron(...)`.
        expression: String,
    },
    /// A task state of a Step Functions workflow.
    Workflow {
        /// Key of the workflow in `workflows`.
        workflow: String,
    },
    /// An EventBridge rule on an auto-scaling group's launch lifecycle action.
    AsgLifecycle {
        /// The group whose launches it handles (`nat`).
        group: String,
    },
    /// A CloudWatch alarm action.
    Alarm,
    /// Direct invocation (CLI, API, other functions).
    Direct,
}
