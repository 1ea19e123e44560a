//! `tradai-stack-persistent`: the data-bearing layer that survives every dev cycle (reference §2): the buckets,
//! the tables, the container registries, the Cognito pool and clients, CloudTrail and the Pulumi state bucket.

mod audit;
mod buckets;
mod identity;
mod registries;
mod secrets;
mod tables;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;
use tradai_stack_kit::PersistentOutputs;

/// Create the persistent layer of `config` and export its [`PersistentOutputs`].
pub fn persistent(ctx: &Context, config: &Config) {
    let identity = identity::identity(ctx, config);
    let outputs = PersistentOutputs {
        buckets: buckets::buckets(ctx, config).into_iter().collect(),
        tables: tables::tables(ctx, config).into_iter().collect(),
        ecr_urls: registries::repositories(ctx, config).into_iter().collect(),
        secret_arns: secrets::secrets(ctx, config),
        user_pool_id: identity.user_pool_id,
        user_pool_arn: identity.user_pool_arn,
        public_client_id: identity.public_client_id,
        m2m_client_id: identity.m2m_client_id,
        trail_arn: audit::trail(ctx, config),
        pulumi_state_bucket_name: audit::state_bucket(ctx, config),
    };
    outputs.export(ctx);
}
