//! Cognito: the user pool (self sign-up only when the config allows it), its groups (the roles the services
//! grant permissions to), its public client (code flow, no secret), the M2M client and resource server.

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer, MfaMode, PUBLIC_CLIENT_AUTH_FLOWS};
use tradai_pulumi_aws::cognito;
use tradai_pulumi_aws::types::cognito as types;
use tradai_stack_kit::{int, tags};

/// What the edge layer and the services need of the pool.
pub struct Identity {
    pub user_pool_id: Output<String>,
    pub user_pool_arn: Output<String>,
    pub public_client_id: Output<String>,
    pub m2m_client_id: Output<String>,
}

/// Create the pool and its clients.
pub fn identity(ctx: &Context, config: &Config) -> Identity {
    let c = &config.settings().cognito;
    let names = config.names();
    let pool_name = names.user_pool(&c.user_pool);
    let password = types::UserPoolPasswordPolicy::builder()
        .minimum_length(int(c.password.min_length))
        .require_lowercase(c.password.require_lowercase)
        .require_uppercase(c.password.require_uppercase)
        .require_numbers(c.password.require_numbers)
        .require_symbols(c.password.require_symbols)
        .temporary_password_validity_days(int(c.password.temporary_password_validity_days))
        .build_struct();
    let recovery = types::UserPoolAccountRecoverySetting::builder()
        .recovery_mechanisms(vec![
            types::UserPoolAccountRecoverySettingRecoveryMechanism::builder()
                .name("verified_email")
                .priority(1.0)
                .build_struct(),
        ])
        .build_struct();
    let pool = cognito::user_pool::create(
        ctx,
        &pool_name,
        cognito::user_pool::UserPoolArgs::builder()
            .name(pool_name.clone())
            .username_attributes(c.sign_in_attributes.clone())
            .auto_verified_attributes(vec!["email".to_owned()])
            .mfa_configuration(c.mfa.cognito())
            .software_token_mfa_configuration(
                types::UserPoolSoftwareTokenMfaConfiguration::builder()
                    .enabled(c.mfa != MfaMode::Off)
                    .build_struct(),
            )
            .password_policy(password)
            .admin_create_user_config(
                types::UserPoolAdminCreateUserConfig::builder()
                    .allow_admin_create_user_only(!c.self_sign_up)
                    .build_struct(),
            )
            .account_recovery_setting(recovery)
            .deletion_protection(if c.deletion_protection {
                "ACTIVE"
            } else {
                "INACTIVE"
            })
            .tags(tags(config, Layer::Persistent, &c.user_pool))
            .build_struct(),
    );
    for (name, group) in &c.groups {
        cognito::user_group::create(
            ctx,
            &names.resource(&format!("group-{name}")),
            cognito::user_group::UserGroupArgs::builder()
                .name(name.clone())
                .user_pool_id(pool.id.clone())
                .precedence(int(group.precedence))
                .description(group.description.clone())
                .build_struct(),
        );
    }
    let scopes = c
        .resource_server
        .scopes
        .iter()
        .map(|s| {
            types::ResourceServerScope::builder()
                .scope_name(s.clone())
                .scope_description(format!("{s} on the TradAI API"))
                .build_struct()
        })
        .collect::<Vec<_>>();
    let server = cognito::resource_server::create(
        ctx,
        &names.resource("resource-server"),
        cognito::resource_server::ResourceServerArgs::builder()
            .user_pool_id(pool.id.clone())
            .identifier(c.resource_server.identifier.clone())
            .name(c.resource_server.identifier.clone())
            .scopes(scopes)
            .build_struct(),
    );
    cognito::user_pool_domain::create(
        ctx,
        &names.resource("auth"),
        cognito::user_pool_domain::UserPoolDomainArgs::builder()
            .domain(names.resource("auth"))
            .user_pool_id(pool.id.clone())
            .build_struct(),
    );
    let units = || {
        types::UserPoolClientTokenValidityUnits::builder()
            .access_token("minutes")
            .id_token("minutes")
            .refresh_token("days")
            .build_struct()
    };
    let public = cognito::user_pool_client::create(
        ctx,
        &names.public_client(),
        cognito::user_pool_client::UserPoolClientArgs::builder()
            .name(names.public_client())
            .user_pool_id(pool.id.clone())
            .generate_secret(false)
            .allowed_oauth_flows_user_pool_client(true)
            .allowed_oauth_flows(vec!["code".to_owned()])
            .allowed_oauth_scopes(vec![
                "email".to_owned(),
                "openid".to_owned(),
                "profile".to_owned(),
            ])
            .callback_urls(c.callback_urls.clone())
            .logout_urls(c.logout_urls.clone())
            .supported_identity_providers(vec!["COGNITO".to_owned()])
            .explicit_auth_flows(PUBLIC_CLIENT_AUTH_FLOWS.map(str::to_owned).to_vec())
            .access_token_validity(int(c.access_token_validity_minutes))
            .id_token_validity(int(c.id_token_validity_minutes))
            .refresh_token_validity(int(c.refresh_token_validity_days))
            .token_validity_units(units())
            .prevent_user_existence_errors("ENABLED")
            .enable_token_revocation(true)
            .build_struct(),
    );
    // The M2M client's scopes exist once the resource server does: take them from its output.
    let m2m_scopes = server.identifier.map({
        let wanted = c.m2m_scopes.clone();
        move |_| wanted.clone()
    });
    let m2m = cognito::user_pool_client::create(
        ctx,
        &names.m2m_client(),
        cognito::user_pool_client::UserPoolClientArgs::builder()
            .name(names.m2m_client())
            .user_pool_id(pool.id.clone())
            .generate_secret(true)
            .allowed_oauth_flows_user_pool_client(true)
            .allowed_oauth_flows(vec!["client_credentials".to_owned()])
            .allowed_oauth_scopes(m2m_scopes)
            .supported_identity_providers(vec!["COGNITO".to_owned()])
            .access_token_validity(int(c.access_token_validity_minutes))
            .token_validity_units(units())
            .build_struct(),
    );
    Identity {
        user_pool_id: pool.id,
        user_pool_arn: pool.arn,
        public_client_id: public.id,
        m2m_client_id: m2m.id,
    }
}
