//! The Secrets Manager secrets the Lambdas reference (`${secret:<name>}` in their environment): created empty
//! here, in the layer that is never destroyed, so the value an operator puts survives compute redeploys.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::secretsmanager;
use tradai_stack_kit::tags;

/// Secret ARNs by name.
pub fn secrets(ctx: &Context, config: &Config) -> BTreeMap<String, Output<String>> {
    let names = config.names();
    config
        .lambda_secrets()
        .into_iter()
        .map(|name| {
            let full = names.secret(&name);
            let secret = secretsmanager::secret::create(
                ctx,
                &full,
                secretsmanager::secret::SecretArgs::builder()
                    .name(full.clone())
                    .description(format!(
                        "TradAI {name} ({}); the value is put by an operator: aws secretsmanager put-secret-value --secret-id {full}",
                        config.env()
                    ))
                    .recovery_window_in_days(30)
                    .tags(tags(config, Layer::Persistent, &name))
                    .build_struct(),
            );
            (name, secret.arn)
        })
        .collect()
}
