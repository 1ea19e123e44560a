//! The typed canonical config as it is written in `environments/*.toml` (one file per concern).

mod api;
mod aws;
mod cognito;
mod compute;
mod database;
mod lambdas;
mod messaging;
mod network;
mod observability;
mod roles;
mod storage;
mod waf;
mod workflows;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use api::{ApiRoute, ApiSettings};
pub use aws::{AwsSettings, ProjectSettings};
pub use cognito::{
    CognitoSettings, MfaMode, PasswordPolicy, ResourceServerSpec, PUBLIC_CLIENT_AUTH_FLOWS,
};
pub use compute::{
    AlbSettings, ComputeMode, ComputeSettings, EcrSettings, ServiceKind, ServiceSpec,
};
pub use database::DatabaseSettings;
pub use lambdas::{Architecture, LambdaSpec, Trigger};
pub use messaging::{DeadLetterSpec, QueueSpec, TopicSpec};
pub use network::{NatMode, NatSettings, NetworkSettings, SubnetSpec, Tier};
pub use observability::{AlarmSettings, LoggingSettings};
pub use roles::{GroupSpec, Permission};
pub use storage::{
    AttributeType, BucketSpec, DynamoDbSettings, GsiSpec, KeyAttribute, LifecycleRule, StreamView,
    TableSpec,
};
pub use waf::WafSettings;
pub use workflows::{MapSpec, RetrySpec, WorkflowKind, WorkflowSpec};

/// The whole canonical config of one environment: every name, size, port, key and schedule the stacks and
/// services use. Maps are keyed by the component name that resource names are derived from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Project-wide identity: the name prefix of every resource and the Pulumi organization.
    pub project: ProjectSettings,
    /// Region and availability zones.
    pub aws: AwsSettings,
    /// VPC, subnets, NAT and VPC endpoints.
    pub network: NetworkSettings,
    /// How services run (consolidated EC2 host or Fargate) and service discovery.
    pub compute: ComputeSettings,
    /// The public load balancer of the always-on services.
    pub alb: AlbSettings,
    /// The SERVICES table: every container the platform runs, keyed by service name.
    pub services: BTreeMap<String, ServiceSpec>,
    /// Container registries: the service repositories and image retention (Lambda repositories derive from `lambdas`).
    pub ecr: EcrSettings,
    /// Settings shared by every DynamoDB table.
    pub dynamodb: DynamoDbSettings,
    /// The DynamoDB tables, keyed by component (`workflow-state` → `tradai-workflow-state-<env>`).
    pub tables: BTreeMap<String, TableSpec>,
    /// The S3 buckets, keyed by component (`results` → `tradai-results-<env>`).
    pub buckets: BTreeMap<String, BucketSpec>,
    /// The SQS queues, keyed by component; a dead-letter queue is part of its queue.
    pub queues: BTreeMap<String, QueueSpec>,
    /// The SNS topics, keyed by component.
    pub topics: BTreeMap<String, TopicSpec>,
    /// The Lambda functions, keyed by function name; each has its own ECR repository `lambda-<name>`.
    pub lambdas: BTreeMap<String, LambdaSpec>,
    /// The Step Functions state machines, keyed by workflow name.
    pub workflows: BTreeMap<String, WorkflowSpec>,
    /// The RDS PostgreSQL instance that holds MLflow metadata.
    pub database: DatabaseSettings,
    /// The Cognito user pool, its public client and its machine-to-machine client.
    pub cognito: CognitoSettings,
    /// The public HTTP API (API Gateway): its routes and throttling.
    pub api: ApiSettings,
    /// The WAF web ACL in front of the API.
    pub waf: WafSettings,
    /// Log groups.
    pub logging: LoggingSettings,
    /// CloudWatch alarm thresholds.
    pub alarms: AlarmSettings,
}
