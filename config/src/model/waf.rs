//! The WAF web ACL.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Web ACL rules in front of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WafSettings {
    /// Requests one client IP may make per window before it is blocked (at least 10).
    pub rate_limit: u32,
    /// Rate-limit window in seconds: 60, 120, 300 or 600.
    pub rate_limit_window_seconds: u32,
    /// AWS managed rule groups, e.g. `AWSManagedRulesCommonRuleSet`.
    pub managed_rule_groups: Vec<String>,
}
