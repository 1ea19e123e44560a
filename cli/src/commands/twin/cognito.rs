//! The planned Cognito resources as the twin creates them: the user pool first, then its resource servers (the
//! clients' OAuth scopes name them), its app clients, its groups (roles) and its domain. A planned resource names its pool by the
//! mock engine's id for it; the twin records which real id each planned one became ([`Ids`]), as `pulumi up`
//! resolves outputs, so the task environments that carry planned ids can be given the real ones.

use std::collections::BTreeMap;

use tradai_aws::provision::cognito::{self, ClientShape, PasswordShape, PoolShape};
use tradai_aws::Clients;

use super::graph::{Graph, InputError, Resource};
use super::provision::{failed, ProvisionError, Provisioned};

pub const POOL: &str = "aws:cognito/userPool:UserPool";
const RESOURCE_SERVER: &str = "aws:cognito/resourceServer:ResourceServer";
pub const CLIENT: &str = "aws:cognito/userPoolClient:UserPoolClient";
const DOMAIN: &str = "aws:cognito/userPoolDomain:UserPoolDomain";
const GROUP: &str = "aws:cognito/userGroup:UserGroup";

/// The real id each planned id became (planned → created).
pub type Ids = BTreeMap<String, String>;

/// Create the graph's pools, resource servers, clients and domains; record the ids in `ids`.
pub async fn provision(
    clients: &Clients,
    graph: &Graph,
    done: &mut Provisioned,
    ids: &mut Ids,
) -> Result<(), ProvisionError> {
    for r in graph.of_type(POOL) {
        let id = cognito::user_pool(clients, &pool(r)?)
            .await
            .map_err(failed(POOL, r))?;
        ids.insert(r.planned_id(), id);
        *done.entry(POOL).or_default() += 1;
    }
    let pool_of = |r: Resource<'_>, ids: &Ids| -> Result<String, InputError> {
        let planned = r.text("userPoolId")?;
        ids.get(planned).cloned().ok_or_else(|| {
            r.error(
                "userPoolId",
                format!("is {planned}: no planned user pool has that id"),
            )
        })
    };
    for r in graph.of_type(RESOURCE_SERVER) {
        let mut scopes = Vec::new();
        for s in r.list("scopes")? {
            let name = r.nested("scopes", s, "scopeName")?;
            let description = r.nested("scopes", s, "scopeDescription")?;
            scopes.push((
                name.ok_or_else(|| r.error("scopes[].scopeName", "is missing: expected a string"))?,
                description.unwrap_or_default(),
            ));
        }
        let pool = pool_of(r, ids)?;
        cognito::resource_server(
            clients,
            &pool,
            r.text("identifier")?,
            r.text("name")?,
            &scopes,
        )
        .await
        .map_err(failed(RESOURCE_SERVER, r))?;
        *done.entry(RESOURCE_SERVER).or_default() += 1;
    }
    for r in graph.of_type(CLIENT) {
        let pool = pool_of(r, ids)?;
        let id = cognito::pool_client(clients, &pool, &client(r)?)
            .await
            .map_err(failed(CLIENT, r))?;
        ids.insert(r.planned_id(), id);
        *done.entry(CLIENT).or_default() += 1;
    }
    for r in graph.of_type(GROUP) {
        let pool = pool_of(r, ids)?;
        let precedence = r.optional_count("precedence")?.map(|n| n as i32);
        cognito::group(
            clients,
            &pool,
            r.text("name")?,
            precedence,
            r.optional_text("description")?,
        )
        .await
        .map_err(failed(GROUP, r))?;
        *done.entry(GROUP).or_default() += 1;
    }
    for r in graph.of_type(DOMAIN) {
        let pool = pool_of(r, ids)?;
        cognito::pool_domain(clients, &pool, r.text("domain")?)
            .await
            .map_err(failed(DOMAIN, r))?;
        *done.entry(DOMAIN).or_default() += 1;
    }
    Ok(())
}

/// A planned pool's shape.
fn pool(r: Resource<'_>) -> Result<PoolShape<'_>, InputError> {
    let block = "passwordPolicy";
    let password = PasswordShape {
        minimum_length: r.block_count(block, "minimumLength")?,
        lowercase: r.block_flag(block, "requireLowercase")?,
        uppercase: r.block_flag(block, "requireUppercase")?,
        numbers: r.block_flag(block, "requireNumbers")?,
        symbols: r.block_flag(block, "requireSymbols")?,
        temporary_validity_days: r.block_count(block, "temporaryPasswordValidityDays")?,
    };
    let mut recovery = Vec::new();
    let mechanisms = r
        .get("accountRecoverySetting")
        .and_then(|s| s.get("recoveryMechanisms"))
        .and_then(|m| m.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for m in mechanisms {
        let field = "accountRecoverySetting.recoveryMechanisms";
        let name = r
            .nested(field, m, "name")?
            .ok_or_else(|| r.error(&format!("{field}[].name"), "is missing: expected a string"))?;
        let priority = m.get("priority").and_then(|p| p.as_f64()).unwrap_or(1.0);
        recovery.push((name, priority as i32));
    }
    Ok(PoolShape {
        name: r.text("name")?,
        password,
        mfa: r.optional_text("mfaConfiguration")?.unwrap_or("OFF"),
        software_token_mfa: r.block_flag("softwareTokenMfaConfiguration", "enabled")?,
        username_attributes: r.texts("usernameAttributes")?,
        auto_verified: r.texts("autoVerifiedAttributes")?,
        recovery,
        admin_create_only: r.block_flag("adminCreateUserConfig", "allowAdminCreateUserOnly")?,
    })
}

/// A planned app client's shape.
fn client(r: Resource<'_>) -> Result<ClientShape<'_>, InputError> {
    let validity = |field| r.optional_count(field).map(|n| n.map(|n| n as i32));
    let unit = |field| {
        r.get("tokenValidityUnits")
            .and_then(|u| u.get(field))
            .and_then(|u| u.as_str())
    };
    Ok(ClientShape {
        name: r.text("name")?,
        generate_secret: r.optional_flag("generateSecret")?.unwrap_or(false),
        explicit_auth_flows: r.texts("explicitAuthFlows")?,
        oauth_flows: r.texts("allowedOauthFlows")?,
        oauth_scopes: r.texts("allowedOauthScopes")?,
        oauth_user_pool_client: r
            .optional_flag("allowedOauthFlowsUserPoolClient")?
            .unwrap_or(false),
        callback_urls: r.texts("callbackUrls")?,
        logout_urls: r.texts("logoutUrls")?,
        identity_providers: r.texts("supportedIdentityProviders")?,
        validity: [
            validity("accessTokenValidity")?,
            validity("idTokenValidity")?,
            validity("refreshTokenValidity")?,
        ],
        units: [unit("accessToken"), unit("idToken"), unit("refreshToken")],
        token_revocation: r.optional_flag("enableTokenRevocation")?,
        prevent_user_existence_errors: r.optional_text("preventUserExistenceErrors")?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use super::super::graph::planned;
    use super::*;

    #[test]
    fn a_planned_pool_and_client_become_their_shapes() {
        let p = planned(
            POOL,
            "r",
            json!({"name": "users", "mfaConfiguration": "ON",
                "passwordPolicy": {"minimumLength": 12.0, "requireSymbols": true, "requireNumbers": null},
                "softwareTokenMfaConfiguration": {"enabled": true}, "usernameAttributes": ["email"],
                "accountRecoverySetting": {"recoveryMechanisms": [{"name": "verified_email", "priority": 1.0}]}}),
        );
        let shape = pool(Resource(&p)).expect("pool");
        assert_eq!(shape.password.minimum_length, Some(12));
        assert!(shape.password.symbols && !shape.password.numbers);
        assert_eq!((shape.mfa, shape.software_token_mfa), ("ON", true));
        assert_eq!(shape.recovery, vec![("verified_email", 1)]);
        let c = planned(
            CLIENT,
            "r",
            json!({"name": "m2m", "generateSecret": true, "allowedOauthFlows": ["client_credentials"],
                "accessTokenValidity": 60.0, "tokenValidityUnits": {"accessToken": "minutes"}}),
        );
        let shape = client(Resource(&c)).expect("client");
        assert_eq!(shape.oauth_flows, vec!["client_credentials"]);
        assert_eq!(
            (shape.validity[0], shape.units[0]),
            (Some(60), Some("minutes"))
        );
        let bad = planned(CLIENT, "r", json!({"name": "c", "explicitAuthFlows": ["A", 3]}));
        assert_eq!(
            client(Resource(&bad)).expect_err("bad flow").to_string(),
            "aws:cognito/userPoolClient:UserPoolClient r: input `explicitAuthFlows[]` is 3: expected a string"
        );
    }
}
