//! Secrets Manager values, read once at a function's start.

use tradai_config::access::{self, Access};
use tradai_domain::{DomainError, Result};

use crate::{domain_error, Clients};

/// The string value of secret `id` (an ARN or a name); `NotFound` when the secret or its current value does not
/// exist (a secret the persistent layer created before an operator put its value), a validation error when the
/// value is blank.
/// Every AWS action [`secret_string`] calls (`tradai_config::access`).
pub const SECRETS_ACCESS: &[&Access] = &[&access::SECRETS];

pub async fn secret_string(clients: &Clients, id: &str) -> Result<String> {
    let client = crate::client!(aws_sdk_secretsmanager, clients);
    let answer = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| {
            let missing = e
                .as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception());
            if missing {
                DomainError::not_found("secret (or its current value)", id)
            } else {
                domain_error("secretsmanager", e)
            }
        })?;
    answer
        .secret_string()
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            DomainError::validation(
                "secret",
                format!("{id} has no value; put one with aws secretsmanager put-secret-value --secret-id {id}"),
            )
        })
}
