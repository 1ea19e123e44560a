//! Who may do what: the permissions routes require, and the Cognito groups (roles) that grant them.
//! Each route of the services requires one [`Permission`] (its type says which); a person holds the
//! permissions of the groups the token names (`cognito:groups`), a machine those of its scopes
//! (`<resource server>/<permission>`).

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One thing a caller may be allowed to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Permission {
    /// Read anything: jobs, results, strategies, configs, models, candles, instances and their logs.
    #[serde(rename = "read")]
    Read,
    /// Submit a backtest.
    #[serde(rename = "backtests.submit")]
    SubmitBacktests,
    /// Cancel a backtest.
    #[serde(rename = "backtests.cancel")]
    CancelBacktests,
    /// Sync market data from the exchange.
    #[serde(rename = "data.sync")]
    SyncData,
    /// Create a strategy config version (DRAFT).
    #[serde(rename = "configs.write")]
    WriteConfigs,
    /// Activate or deprecate a strategy config version.
    #[serde(rename = "configs.activate")]
    ActivateConfigs,
    /// Register, stage or promote a strategy's model.
    #[serde(rename = "models.promote")]
    PromoteModels,
    /// Roll a model back to an earlier version.
    #[serde(rename = "models.rollback")]
    RollbackModels,
    /// Start or stop dry-run (paper) trading.
    #[serde(rename = "trading.dry-run")]
    DryRunTrading,
    /// Start or stop live trading (real orders).
    #[serde(rename = "trading.live")]
    LiveTrading,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 10] = [
        Permission::Read,
        Permission::SubmitBacktests,
        Permission::CancelBacktests,
        Permission::SyncData,
        Permission::WriteConfigs,
        Permission::ActivateConfigs,
        Permission::PromoteModels,
        Permission::RollbackModels,
        Permission::DryRunTrading,
        Permission::LiveTrading,
    ];

    /// Its name (`backtests.submit`): in the config, in a machine's scope and in a 403's details.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::SubmitBacktests => "backtests.submit",
            Permission::CancelBacktests => "backtests.cancel",
            Permission::SyncData => "data.sync",
            Permission::WriteConfigs => "configs.write",
            Permission::ActivateConfigs => "configs.activate",
            Permission::PromoteModels => "models.promote",
            Permission::RollbackModels => "models.rollback",
            Permission::DryRunTrading => "trading.dry-run",
            Permission::LiveTrading => "trading.live",
        }
    }

    /// The permission called `name`.
    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Cognito group of the user pool: a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// What a member may do.
    pub permissions: BTreeSet<Permission>,
    /// Cognito's precedence (lower wins where one group must be chosen, e.g. its IAM role); unique.
    pub precedence: u32,
    /// What the role is for (the group's description).
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_has_one_name_that_parses_back_and_serialises_as_it() {
        let names: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names.len(), Permission::ALL.len());
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(
                serde_json::to_value(p).expect("json"),
                serde_json::json!(p.as_str())
            );
        }
        assert_eq!(Permission::parse("admin"), None);
    }
}
