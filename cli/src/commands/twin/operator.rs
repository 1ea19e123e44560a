//! The steps the runbook leaves to an operator after `pulumi up`, done by the twin so that its flows run as
//! the deployed ones do once an operator has done them: the M2M client's secret copied into the secret that
//! data-collection-proxy reads (README troubleshooting; decision B11).

use anyhow::{anyhow, Context as _};
use tradai_config::Config;

use super::cognito::{Ids, CLIENT};
use super::graph::Graph;

/// The secret key of the M2M client's secret in the config's `${secret:…}` references.
const M2M_SECRET: &str = "m2m-client-secret";

/// Copy the planned M2M client's secret (its real one, on the emulator) into the config's M2M secret.
pub async fn m2m_secret(
    config: &Config,
    clients: &tradai_aws::Clients,
    graph: &Graph,
    ids: &Ids,
) -> anyhow::Result<String> {
    let names = config.names();
    let client_name = names.m2m_client();
    let planned = graph
        .of_type(CLIENT)
        .find(|r| r.text("name").ok() == Some(client_name.as_str()))
        .ok_or_else(|| anyhow!("no planned Cognito client is named {client_name}"))?;
    let real = |planned: &str| {
        ids.get(planned)
            .cloned()
            .ok_or_else(|| anyhow!("{planned} was not created"))
    };
    let client_id = real(&planned.planned_id())?;
    let pool = real(planned.text("userPoolId")?)?;
    let cognito = tradai_aws::client!(aws_sdk_cognitoidentityprovider, clients);
    let described = cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client_id)
        .send()
        .await
        .with_context(|| format!("describing the M2M client {client_name}"))?;
    let secret = described
        .user_pool_client()
        .and_then(|c| c.client_secret())
        .ok_or_else(|| {
            anyhow!("the M2M client {client_name} has no secret (is generateSecret planned?)")
        })?;
    let name = names.secret(M2M_SECRET);
    tradai_aws::provision::put_secret_value(clients, &name, secret)
        .await
        .with_context(|| format!("putting the M2M client's secret into {name}"))?;
    Ok(name)
}
