//! The WAF web ACL.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Web ACL rules in front of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WafSettings {
    /// Requests one client IP may make per window without a bearer token before it is blocked (at least 10).
    /// Behind the API's VPC link every request comes from the link's few addresses, so this limit applies only
    /// to unauthenticated requests.
    pub rate_limit: u32,
    /// Requests one caller (one bearer token) may make per window before it is blocked (at least 10); sized
    /// so a user waiting on jobs (`tradai backtest --wait` polls) never reaches it (`tradai infra check`).
    pub per_caller_rate_limit: u32,
    /// Rate-limit window in seconds: 60, 120, 300 or 600.
    pub rate_limit_window_seconds: u32,
    /// AWS managed rule groups, e.g. `AWSManagedRulesCommonRuleSet`.
    pub managed_rule_groups: Vec<String>,
}
