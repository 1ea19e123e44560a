//! Cognito as the persistent layer plans it: a user pool (password policy, sign-in attributes, recovery, MFA),
//! its resource server and scopes, its app clients (auth flows, OAuth flows and scopes, token validities) and
//! its hosted domain. Each is looked up by name first, so a second run finds what the first made.

use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, ExplicitAuthFlowsType, OAuthFlowType,
    PasswordPolicyType, PreventUserExistenceErrorTypes, RecoveryOptionNameType, RecoveryOptionType,
    ResourceServerScopeType, SoftwareTokenMfaConfigType, TimeUnitsType, TokenValidityUnitsType,
    UserPoolMfaType, UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;
use crate::Clients;

/// A user pool's password policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordShape {
    pub minimum_length: Option<i32>,
    pub lowercase: bool,
    pub uppercase: bool,
    pub numbers: bool,
    pub symbols: bool,
    pub temporary_validity_days: Option<i32>,
}

/// A user pool as planned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolShape<'a> {
    pub name: &'a str,
    pub password: PasswordShape,
    /// `OFF`, `ON` or `OPTIONAL`.
    pub mfa: &'a str,
    pub software_token_mfa: bool,
    pub username_attributes: Vec<&'a str>,
    pub auto_verified: Vec<&'a str>,
    /// Recovery mechanisms with their priorities.
    pub recovery: Vec<(&'a str, i32)>,
    /// Only administrators create users (no self sign-up).
    pub admin_create_only: bool,
}

/// An app client as planned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientShape<'a> {
    pub name: &'a str,
    pub generate_secret: bool,
    pub explicit_auth_flows: Vec<&'a str>,
    pub oauth_flows: Vec<&'a str>,
    pub oauth_scopes: Vec<&'a str>,
    pub oauth_user_pool_client: bool,
    pub callback_urls: Vec<&'a str>,
    pub logout_urls: Vec<&'a str>,
    pub identity_providers: Vec<&'a str>,
    /// Access, id and refresh token validity, in `units`.
    pub validity: [Option<i32>; 3],
    /// Units of the access, id and refresh token validity (`minutes`, `hours`, `days`).
    pub units: [Option<&'a str>; 3],
    pub token_revocation: Option<bool>,
    pub prevent_user_existence_errors: Option<&'a str>,
}

fn client(clients: &Clients) -> Client {
    crate::client!(aws_sdk_cognitoidentityprovider, clients)
}

fn invalid(what: &str, e: impl std::fmt::Display) -> DomainError {
    DomainError::Configuration(format!("cognito {what}: {e}"))
}

/// The id of the pool named `name`, if one exists.
async fn pool_named(cognito: &Client, name: &str) -> Result<Option<String>> {
    let mut pages = cognito
        .list_user_pools()
        .max_results(60)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| domain_error("cognito-idp", e))?;
        if let Some(pool) = page.user_pools().iter().find(|p| p.name() == Some(name)) {
            return Ok(pool.id().map(str::to_owned));
        }
    }
    Ok(None)
}

/// The user pool `shape`; returns its id (the existing pool's, when one of that name exists).
pub async fn user_pool(clients: &Clients, shape: &PoolShape<'_>) -> Result<String> {
    let cognito = client(clients);
    if let Some(id) = pool_named(&cognito, shape.name).await? {
        return Ok(id);
    }
    let p = &shape.password;
    let password = PasswordPolicyType::builder()
        .set_minimum_length(p.minimum_length)
        .require_lowercase(p.lowercase)
        .require_uppercase(p.uppercase)
        .require_numbers(p.numbers)
        .require_symbols(p.symbols)
        .set_temporary_password_validity_days(p.temporary_validity_days)
        .build();
    let mut recovery = AccountRecoverySettingType::builder();
    for (name, priority) in &shape.recovery {
        let option = RecoveryOptionType::builder()
            .name(RecoveryOptionNameType::from(*name))
            .priority(*priority)
            .build()
            .map_err(|e| invalid("recovery mechanism", e))?;
        recovery = recovery.recovery_mechanisms(option);
    }
    let created = cognito
        .create_user_pool()
        .pool_name(shape.name)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(password)
                .build(),
        )
        .set_username_attributes(Some(
            shape
                .username_attributes
                .iter()
                .map(|a| UsernameAttributeType::from(*a))
                .collect(),
        ))
        .set_auto_verified_attributes(Some(
            shape
                .auto_verified
                .iter()
                .map(|a| VerifiedAttributeType::from(*a))
                .collect(),
        ))
        .account_recovery_setting(recovery.build())
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(shape.admin_create_only)
                .build(),
        )
        .send()
        .await
        .map_err(|e| domain_error("cognito-idp", e))?;
    let id = created
        .user_pool()
        .and_then(|p| p.id())
        .ok_or_else(|| invalid(shape.name, "CreateUserPool answered without an id"))?
        .to_owned();
    // MFA with software tokens is set after creation, as the Pulumi provider does (CreateUserPool alone would
    // need an SMS configuration for `ON`).
    if shape.mfa != "OFF" {
        cognito
            .set_user_pool_mfa_config()
            .user_pool_id(&id)
            .software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder()
                    .enabled(shape.software_token_mfa)
                    .build(),
            )
            .mfa_configuration(UserPoolMfaType::from(shape.mfa))
            .send()
            .await
            .map_err(|e| domain_error("cognito-idp", e))?;
    }
    Ok(id)
}

/// The group `name` of pool `pool_id` (a role), unless it exists.
pub async fn group(
    clients: &Clients,
    pool_id: &str,
    name: &str,
    precedence: Option<i32>,
    description: Option<&str>,
) -> Result<()> {
    let cognito = client(clients);
    let existing = cognito
        .get_group()
        .user_pool_id(pool_id)
        .group_name(name)
        .send()
        .await;
    if existing.is_ok() {
        return Ok(());
    }
    cognito
        .create_group()
        .user_pool_id(pool_id)
        .group_name(name)
        .set_precedence(precedence)
        .set_description(description.map(str::to_owned))
        .send()
        .await
        .map_err(|e| domain_error("cognito-idp", e))?;
    Ok(())
}

/// The resource server `identifier` of pool `pool_id`, with `scopes` (name, description).
pub async fn resource_server(
    clients: &Clients,
    pool_id: &str,
    identifier: &str,
    name: &str,
    scopes: &[(&str, &str)],
) -> Result<()> {
    let cognito = client(clients);
    let existing = cognito
        .describe_resource_server()
        .user_pool_id(pool_id)
        .identifier(identifier)
        .send()
        .await;
    if existing.is_ok() {
        return Ok(());
    }
    let mut request = cognito
        .create_resource_server()
        .user_pool_id(pool_id)
        .identifier(identifier)
        .name(name);
    for (scope, description) in scopes {
        request = request.scopes(
            ResourceServerScopeType::builder()
                .scope_name(*scope)
                .scope_description(*description)
                .build()
                .map_err(|e| invalid("scope", e))?,
        );
    }
    request
        .send()
        .await
        .map_err(|e| domain_error("cognito-idp", e))?;
    Ok(())
}

fn strings(list: &[&str]) -> Option<Vec<String>> {
    (!list.is_empty()).then(|| list.iter().map(|s| (*s).to_owned()).collect())
}

/// The app client `shape` of pool `pool_id`; returns its id (the existing client's, when one of that name
/// exists).
pub async fn pool_client(
    clients: &Clients,
    pool_id: &str,
    shape: &ClientShape<'_>,
) -> Result<String> {
    let cognito = client(clients);
    let mut pages = cognito
        .list_user_pool_clients()
        .user_pool_id(pool_id)
        .max_results(60)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| domain_error("cognito-idp", e))?;
        let found = page
            .user_pool_clients()
            .iter()
            .find(|c| c.client_name() == Some(shape.name));
        if let Some(id) = found.and_then(|c| c.client_id()) {
            return Ok(id.to_owned());
        }
    }
    let unit = |u: Option<&str>| u.map(TimeUnitsType::from);
    let [access, id_token, refresh] = shape.validity;
    let created = cognito
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(shape.name)
        .generate_secret(shape.generate_secret)
        .set_explicit_auth_flows(strings(&shape.explicit_auth_flows).map(|f| {
            f.iter()
                .map(|f| ExplicitAuthFlowsType::from(f.as_str()))
                .collect()
        }))
        .set_allowed_o_auth_flows(
            strings(&shape.oauth_flows)
                .map(|f| f.iter().map(|f| OAuthFlowType::from(f.as_str())).collect()),
        )
        .set_allowed_o_auth_scopes(strings(&shape.oauth_scopes))
        .allowed_o_auth_flows_user_pool_client(shape.oauth_user_pool_client)
        .set_callback_urls(strings(&shape.callback_urls))
        .set_logout_urls(strings(&shape.logout_urls))
        .set_supported_identity_providers(strings(&shape.identity_providers))
        .set_access_token_validity(access)
        .set_id_token_validity(id_token)
        .set_refresh_token_validity(refresh)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .set_access_token(unit(shape.units[0]))
                .set_id_token(unit(shape.units[1]))
                .set_refresh_token(unit(shape.units[2]))
                .build(),
        )
        .set_enable_token_revocation(shape.token_revocation)
        .set_prevent_user_existence_errors(
            shape
                .prevent_user_existence_errors
                .map(PreventUserExistenceErrorTypes::from),
        )
        .send()
        .await
        .map_err(|e| domain_error("cognito-idp", e))?;
    created
        .user_pool_client()
        .and_then(|c| c.client_id())
        .map(str::to_owned)
        .ok_or_else(|| invalid(shape.name, "CreateUserPoolClient answered without an id"))
}

/// The hosted domain `domain` of pool `pool_id`.
pub async fn pool_domain(clients: &Clients, pool_id: &str, domain: &str) -> Result<()> {
    let cognito = client(clients);
    let existing = cognito
        .describe_user_pool_domain()
        .domain(domain)
        .send()
        .await
        .map_err(|e| domain_error("cognito-idp", e))?;
    if existing
        .domain_description()
        .and_then(|d| d.user_pool_id())
        .is_some()
    {
        return Ok(());
    }
    cognito
        .create_user_pool_domain()
        .user_pool_id(pool_id)
        .domain(domain)
        .send()
        .await
        .map_err(|e| domain_error("cognito-idp", e))?;
    Ok(())
}
