//! Cognito user pool and clients.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The user pool `tradai-<user_pool>-<env>` with a public client and an M2M client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CognitoSettings {
    /// Name component of the pool (`users`). Immutable: a new name is a new pool.
    pub user_pool: String,
    /// Attributes users sign in with. Immutable: Cognito replaces the pool when they change.
    pub sign_in_attributes: Vec<String>,
    /// `on` (TOTP required), `optional` or `off`.
    pub mfa: MfaMode,
    /// Password rules.
    pub password: PasswordPolicy,
    /// Access-token lifetime in minutes (5 to 1440).
    pub access_token_validity_minutes: u32,
    /// ID-token lifetime in minutes (5 to 1440).
    pub id_token_validity_minutes: u32,
    /// Refresh-token lifetime in days (1 to 3650).
    pub refresh_token_validity_days: u32,
    /// Whether the pool refuses deletion (ACTIVE in prod).
    pub deletion_protection: bool,
    /// OAuth callback URLs of the public client (code flow).
    pub callback_urls: Vec<String>,
    /// Sign-out URLs of the public client.
    pub logout_urls: Vec<String>,
    /// The resource server machine clients get scopes from.
    pub resource_server: ResourceServerSpec,
    /// Scopes (of `resource_server`) the M2M client may request with client credentials: exactly what the
    /// functions that call the API declare they need (least privilege; `tradai infra check` compares them).
    pub m2m_scopes: Vec<String>,
    /// Whether anyone may create an account (Cognito self sign-up). Off: administrators create users
    /// (`AllowAdminCreateUserOnly`), so an account exists only when an administrator made it.
    pub self_sign_up: bool,
    /// The roles: Cognito groups keyed by name, each with the permissions its members hold. A user in no group
    /// may do nothing but the public routes.
    pub groups: BTreeMap<String, super::roles::GroupSpec>,
}

impl CognitoSettings {
    /// Access-token lifetime.
    pub fn access_token_validity(&self) -> Duration {
        Duration::from_secs(u64::from(self.access_token_validity_minutes) * 60)
    }

    /// ID-token lifetime.
    pub fn id_token_validity(&self) -> Duration {
        Duration::from_secs(u64::from(self.id_token_validity_minutes) * 60)
    }

    /// The permissions of a member of `groups` (a group not in the config grants nothing).
    pub fn permissions_of<'a>(
        &self,
        groups: impl IntoIterator<Item = &'a str>,
    ) -> std::collections::BTreeSet<super::roles::Permission> {
        groups
            .into_iter()
            .filter_map(|g| self.groups.get(g))
            .flat_map(|g| g.permissions.iter().copied())
            .collect()
    }

    /// Refresh-token lifetime.
    pub fn refresh_token_validity(&self) -> Duration {
        Duration::from_secs(u64::from(self.refresh_token_validity_days) * 86_400)
    }
}

/// The sign-in flows the public app client allows (its `explicit_auth_flows`): Secure Remote Password, so the
/// password never leaves the user's machine (`tradai login`, the hosted UI), and refresh. The persistent layer
/// creates the client with exactly these, and the login test creates its emulator client from the same list.
pub const PUBLIC_CLIENT_AUTH_FLOWS: [&str; 2] = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"];

/// MFA enforcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MfaMode {
    On,
    Optional,
    Off,
}

impl MfaMode {
    /// The user pool's `MfaConfiguration` value.
    pub fn cognito(self) -> &'static str {
        match self {
            MfaMode::On => "ON",
            MfaMode::Optional => "OPTIONAL",
            MfaMode::Off => "OFF",
        }
    }
}

/// Password policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Minimum length (8 to 99).
    pub min_length: u32,
    /// Require a lowercase letter.
    pub require_lowercase: bool,
    /// Require an uppercase letter.
    pub require_uppercase: bool,
    /// Require a digit.
    pub require_numbers: bool,
    /// Require a symbol.
    pub require_symbols: bool,
    /// Days a temporary password stays valid (1 to 365).
    pub temporary_password_validity_days: u32,
}

/// An OAuth resource server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceServerSpec {
    /// Identifier, the prefix of its scopes (`tradai-api` → `tradai-api/backtests.write`).
    pub identifier: String,
    /// Scope names it defines.
    pub scopes: Vec<String>,
}
