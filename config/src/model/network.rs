//! VPC, subnets, NAT and endpoints.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The network of one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// The VPC CIDR block. Immutable after the first deploy.
    pub vpc_cidr: String,
    /// The subnets, keyed by name (`public-1`, `private-2`, …).
    pub subnets: BTreeMap<String, SubnetSpec>,
    /// How private subnets reach the internet.
    pub nat: NatSettings,
    /// Gateway VPC endpoints (service short names, e.g. `s3`, `dynamodb`).
    pub gateway_endpoints: Vec<String>,
    /// Interface VPC endpoints (service short names, e.g. `ecr.api`, `logs`).
    pub interface_endpoints: Vec<String>,
    /// Whether VPC flow logs are sent to CloudWatch.
    pub flow_logs: bool,
}

/// One subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetSpec {
    /// The tier decides routing: public → IGW, private → NAT, database → local only.
    pub tier: Tier,
    /// The subnet CIDR block; must lie inside the VPC and overlap no other subnet. Immutable after the first deploy.
    pub cidr: String,
    /// The availability zone, one of `aws.availability_zones`.
    pub availability_zone: String,
}

/// Subnet tier.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    Public,
    Private,
    Database,
}

/// Outbound internet access for private subnets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatSettings {
    /// `instance` (a NAT instance in an auto-scaling group of one, ~$4/month) or `gateway` (managed, ~$32/month).
    pub mode: NatMode,
    /// EC2 instance type of the NAT instance (ARM, e.g. `t4g.nano`).
    pub instance_type: String,
    /// Seconds the launch lifecycle hook holds a replacement NAT instance before it takes traffic.
    pub lifecycle_heartbeat_seconds: u32,
}

/// NAT implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NatMode {
    Instance,
    Gateway,
}
