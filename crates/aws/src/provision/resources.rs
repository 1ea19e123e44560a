//! The other resources the planned graph gives the twin: bucket versioning, log groups, state machines, ECS
//! clusters and secrets. Each is created as planned; one that exists already is left as it is.

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use aws_sdk_sfn::types::StateMachineType;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;
use crate::Clients;

/// Switch versioning on for bucket `name`.
pub async fn bucket_versioning(clients: &Clients, name: &str) -> Result<()> {
    clients
        .s3
        .put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| domain_error("s3", e))?;
    Ok(())
}

/// A log group, with its retention when one is given.
pub async fn log_group(clients: &Clients, name: &str, retention_days: Option<i32>) -> Result<()> {
    let created = clients
        .logs
        .create_log_group()
        .log_group_name(name)
        .send()
        .await;
    super::exists_or_created(created, "logs", |e| {
        e.is_resource_already_exists_exception()
    })?;
    if let Some(days) = retention_days {
        clients
            .logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days)
            .send()
            .await
            .map_err(|e| domain_error("logs", e))?;
    }
    Ok(())
}

/// A state machine of `kind` (`STANDARD` or `EXPRESS`) with `definition`, run as `role_arn`; returns its ARN
/// (the existing one's, when one of that name exists).
pub async fn state_machine(
    clients: &Clients,
    name: &str,
    definition: &str,
    role_arn: &str,
    kind: &str,
) -> Result<String> {
    let created = clients
        .sfn
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role_arn)
        .r#type(StateMachineType::from(kind))
        .send()
        .await;
    match created {
        Ok(out) => Ok(out.state_machine_arn().to_owned()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_state_machine_already_exists()) =>
        {
            let listed = clients
                .sfn
                .list_state_machines()
                .into_paginator()
                .items()
                .send()
                .collect::<std::result::Result<Vec<_>, _>>()
                .await
                .map_err(|e| domain_error("states", e))?;
            listed
                .into_iter()
                .find(|m| m.name() == name)
                .map(|m| m.state_machine_arn().to_owned())
                .ok_or_else(|| {
                    DomainError::Configuration(format!(
                        "state machine {name} exists but is not listed"
                    ))
                })
        }
        Err(err) => Err(domain_error("states", err)),
    }
}

/// An ECS cluster named `name` (creating one that exists returns it, as ECS does).
pub async fn cluster(clients: &Clients, name: &str) -> Result<()> {
    clients
        .ecs
        .create_cluster()
        .cluster_name(name)
        .send()
        .await
        .map_err(|e| domain_error("ecs", e))?;
    Ok(())
}

/// A secret without a value (an operator puts it, as in AWS); returns its ARN (the existing one's, when one
/// of that name exists).
#[cfg(feature = "secrets")]
pub async fn secret(clients: &Clients, name: &str, description: Option<&str>) -> Result<String> {
    let client = crate::client!(aws_sdk_secretsmanager, clients);
    let created = client
        .create_secret()
        .name(name)
        .set_description(description.map(str::to_owned))
        .send()
        .await;
    match created {
        Ok(out) => Ok(out.arn().unwrap_or_default().to_owned()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_exists_exception()) =>
        {
            let described = client
                .describe_secret()
                .secret_id(name)
                .send()
                .await
                .map_err(|e| domain_error("secretsmanager", e))?;
            Ok(described.arn().unwrap_or_default().to_owned())
        }
        Err(err) => Err(domain_error("secretsmanager", err)),
    }
}

/// Put `value` as the current value of the secret `id` (a name or an ARN).
#[cfg(feature = "secrets")]
pub async fn put_secret_value(clients: &Clients, id: &str, value: &str) -> Result<()> {
    crate::client!(aws_sdk_secretsmanager, clients)
        .put_secret_value()
        .secret_id(id)
        .secret_string(value)
        .send()
        .await
        .map_err(|e| domain_error("secretsmanager", e))?;
    Ok(())
}
