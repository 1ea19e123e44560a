//! Cognito JWT verification (decision S2): RS256 only; the key from the pool's JWKS by `kid`; `iss` must be the
//! pool; `exp`/`nbf` with a small leeway; `token_use` access (its `client_id`) or id (its `aud`) must name one
//! of the app clients; machine (client-credentials) tokens carry scopes that routes may require.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jsonwebtoken::{decode, decode_header, Algorithm, Validation};
use serde::Deserialize;

use tradai_config::{CognitoSettings, Permission};

use super::jwks::{Jwks, JwksError};

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 60;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    token_use: Option<String>,
    client_id: Option<String>,
    aud: Option<String>,
    scope: Option<String>,
    username: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    /// The app client the token was issued to.
    pub client_id: String,
    /// A person's user name; `None` for a machine.
    pub username: Option<String>,
    pub scopes: Vec<String>,
    /// The Cognito groups (roles) the token names.
    pub groups: Vec<String>,
    /// What the caller may do: its groups' permissions (a person) or its scopes' (a machine).
    pub permissions: BTreeSet<Permission>,
}

impl Principal {
    /// Whether the token came from the client-credentials flow (a machine, not a person).
    pub fn is_machine(&self) -> bool {
        self.username.is_none() && self.subject == self.client_id
    }

    /// A 403 naming `permission` (and the caller's roles) unless the caller holds it.
    pub fn require(&self, permission: Permission) -> Result<(), crate::ApiError> {
        if self.permissions.contains(&permission) {
            return Ok(());
        }
        tracing::info!(subject = %self.subject, %permission, groups = ?self.groups, "permission refused");
        Err(crate::ApiError::missing_permission(
            permission,
            self.is_machine(),
            &self.groups,
        ))
    }
}

/// How tokens become permissions: the pool's groups and the resource server machine scopes are named in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    /// The resource server's identifier (`tradai-api`): a machine's scope `tradai-api/data.sync` grants
    /// `data.sync`.
    pub resource_server: String,
    /// Each group's permissions.
    pub groups: BTreeMap<String, BTreeSet<Permission>>,
}

impl Roles {
    /// The roles of the config's user pool.
    pub fn of(cognito: &CognitoSettings) -> Self {
        Roles {
            resource_server: cognito.resource_server.identifier.clone(),
            groups: cognito
                .groups
                .iter()
                .map(|(name, g)| (name.clone(), g.permissions.clone()))
                .collect(),
        }
    }

    /// The permissions of a token naming `groups` and `scopes`.
    pub fn permissions(&self, groups: &[String], scopes: &[String]) -> BTreeSet<Permission> {
        let prefix = format!("{}/", self.resource_server);
        let from_scopes = scopes
            .iter()
            .filter_map(|s| s.strip_prefix(&prefix))
            .filter_map(Permission::parse);
        groups
            .iter()
            .filter_map(|g| self.groups.get(g))
            .flatten()
            .copied()
            .chain(from_scopes)
            .collect()
    }
}

/// Why a token was refused (each becomes a 401 naming the reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("algorithm {0} is not accepted; tokens must be RS256")]
    Algorithm(String),
    #[error("the token names no key id (kid)")]
    NoKeyId,
    #[error(transparent)]
    Key(#[from] JwksError),
    #[error("{0}")]
    Invalid(String),
    #[error("token_use '{0}' is not accepted (access or id tokens only)")]
    TokenUse(String),
    #[error("the token was issued to client '{0}', which is not a client of this platform")]
    Client(String),
}

/// Tokens remembered as verified, at most.
const CACHE_CAPACITY: usize = 10_000;

/// Verifies bearer tokens of one user pool. A token that passed every check is remembered (keyed by its exact
/// text) until it expires, so repeat requests skip the RSA check; expiry is still checked on every use.
#[derive(Debug)]
pub struct Verifier {
    issuer: String,
    client_ids: Vec<String>,
    roles: Roles,
    jwks: Jwks,
    verified: std::sync::Mutex<std::collections::HashMap<String, (Principal, i64)>>,
}

/// The issuer of a Cognito pool's tokens (`iss`).
pub fn cognito_issuer(region: &str, pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
}

impl Verifier {
    /// A verifier for tokens of `issuer`, signed by the keys at `jwks_url`, issued to one of `client_ids`,
    /// granting the permissions of `roles`.
    pub fn new(
        issuer: &str,
        jwks_url: &str,
        client_ids: Vec<String>,
        min_refresh: Duration,
        roles: Roles,
    ) -> Self {
        Verifier {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_ids,
            roles,
            jwks: Jwks::new(jwks_url, min_refresh),
            verified: std::sync::Mutex::default(),
        }
    }

    /// A verifier for the Cognito pool `pool_id` of `region` (JWKS at the pool's well-known URL).
    pub fn cognito(region: &str, pool_id: &str, client_ids: Vec<String>, roles: Roles) -> Self {
        let issuer = cognito_issuer(region, pool_id);
        let jwks = format!("{issuer}/.well-known/jwks.json");
        Self::new(&issuer, &jwks, client_ids, Duration::from_secs(30), roles)
    }

    /// A verifier for the pool `pool_id` of an emulator at `endpoint` (moto, LocalStack): the tokens name
    /// Cognito's issuer, and the emulator serves the keys at `<endpoint>/<pool>/.well-known/jwks.json`.
    pub fn cognito_emulated(
        region: &str,
        pool_id: &str,
        client_ids: Vec<String>,
        endpoint: &str,
        roles: Roles,
    ) -> Self {
        let issuer = cognito_issuer(region, pool_id);
        let jwks = format!(
            "{}/{pool_id}/.well-known/jwks.json",
            endpoint.trim_end_matches('/')
        );
        Self::new(&issuer, &jwks, client_ids, Duration::from_secs(30), roles)
    }

    /// The principal of a valid `token`.
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let now = chrono::Utc::now().timestamp();
        if let Some(principal) = self.remembered(token, now) {
            return Ok(principal);
        }
        let (principal, exp) = self.check(token).await?;
        self.remember(token, &principal, exp, now);
        Ok(principal)
    }

    fn cache(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Principal, i64)>> {
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A remembered token's principal while it has not expired (with the leeway).
    fn remembered(&self, token: &str, now: i64) -> Option<Principal> {
        let mut cache = self.cache();
        let (principal, exp) = cache.get(token)?;
        if now <= exp + LEEWAY_SECONDS as i64 {
            return Some(principal.clone());
        }
        cache.remove(token);
        None
    }

    fn remember(&self, token: &str, principal: &Principal, exp: i64, now: i64) {
        let mut cache = self.cache();
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, (_, exp)| now <= *exp + LEEWAY_SECONDS as i64);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(token.to_owned(), (principal.clone(), exp));
    }

    /// Every check of a token not seen before; the principal and the token's expiry.
    async fn check(&self, token: &str) -> Result<(Principal, i64), TokenError> {
        let header = decode_header(token).map_err(|e| {
            // jsonwebtoken refuses unknown algorithms (`none`) while reading the header.
            if token
                .split('.')
                .next()
                .and_then(base64_json)
                .and_then(|h| h["alg"].as_str().map(str::to_owned))
                .is_some_and(|alg| alg.eq_ignore_ascii_case("none"))
            {
                TokenError::Algorithm("none".into())
            } else {
                TokenError::Malformed(e.to_string())
            }
        })?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Algorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.ok_or(TokenError::NoKeyId)?;
        let key = self.jwks.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|e| TokenError::Invalid(describe(&e)))?
            .claims;
        let client = match claims.token_use.as_deref() {
            Some("access") => claims.client_id.clone(),
            Some("id") => claims.aud.clone(),
            other => {
                return Err(TokenError::TokenUse(
                    other.unwrap_or("(missing)").to_owned(),
                ))
            }
        }
        .unwrap_or_default();
        if !self.client_ids.contains(&client) {
            return Err(TokenError::Client(client));
        }
        let scopes: Vec<String> = claims
            .scope
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let principal = Principal {
            subject: claims.sub,
            client_id: client,
            username: claims.username,
            permissions: self.roles.permissions(&claims.groups, &scopes),
            scopes,
            groups: claims.groups,
        };
        Ok((principal, claims.exp))
    }
}

fn base64_json(segment: &str) -> Option<serde_json::Value> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::InvalidIssuer => "the token was issued by another issuer".into(),
        ErrorKind::InvalidSignature => "the signature does not match".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token lacks the claim {claim}"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[test]
    fn a_remembered_token_still_expires() {
        let verifier = Verifier::new(
            "https://issuer",
            "http://127.0.0.1:9/jwks",
            vec![],
            Duration::from_secs(30),
            Roles::default(),
        );
        let principal = Principal {
            subject: "s".into(),
            client_id: "c".into(),
            username: None,
            scopes: vec![],
            groups: vec![],
            permissions: BTreeSet::new(),
        };
        verifier.remember("token", &principal, 1_000, 900);
        let leeway = LEEWAY_SECONDS as i64;
        assert_eq!(
            verifier.remembered("token", 1_000 + leeway),
            Some(principal)
        );
        assert_eq!(
            verifier.remembered("token", 1_001 + leeway),
            None,
            "past exp and the leeway"
        );
        assert!(verifier.cache().is_empty(), "and forgotten");
        assert_eq!(
            verifier.remembered("other", 900),
            None,
            "only the exact token text"
        );
    }
}

#[cfg(test)]
mod roles_tests {
    use super::*;

    #[test]
    fn groups_and_machine_scopes_grant_their_permissions_and_nothing_else() {
        let config = tradai_config::Loader::embedded()
            .without_env_vars()
            .load(tradai_config::Environment::Dev)
            .expect("valid");
        let roles = Roles::of(&config.settings().cognito);
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let viewer = roles.permissions(&strings(&["viewer", "unknown"]), &[]);
        assert_eq!(viewer, BTreeSet::from([Permission::Read]));
        let machine = roles.permissions(
            &[],
            &strings(&[
                "tradai-api/data.sync",
                "other-api/trading.live",
                "openid",
                "tradai-api/root",
            ]),
        );
        assert_eq!(machine, BTreeSet::from([Permission::SyncData]));
        assert!(roles.permissions(&[], &[]).is_empty());
        assert_eq!(
            roles.permissions(&strings(&["admin"]), &[]).len(),
            Permission::ALL.len()
        );
    }
}
