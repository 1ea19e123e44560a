//! Project identity and AWS placement.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Project-wide identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectSettings {
    /// Prefix of every resource name (`tradai` → `tradai-results-dev`). Immutable after the first deploy.
    pub name: String,
    /// Pulumi organization used in stack references `<org>/<project>/<layer>-<env>`.
    pub pulumi_organization: String,
}

/// Where the platform runs in AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsSettings {
    /// AWS region, e.g. `eu-central-1`.
    pub region: String,
    /// The availability zones subnets may use; each must belong to `region`.
    pub availability_zones: Vec<String>,
}
