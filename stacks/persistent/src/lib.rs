//! `tradai-stack-persistent`: the data-bearing layer that survives every dev cycle (reference §2): the buckets,
//! the tables, the container registries, the Cognito pool and clients, CloudTrail and the Pulumi state bucket.

mod audit;
mod buckets;
mod identity;
mod registries;
mod tables;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;

/// Create the persistent layer of `config` and export what the other layers read.
pub fn persistent(ctx: &Context, config: &Config) {
    let key = |prefix: &str, name: &str| format!("{prefix}_{}", name.replace('-', "_"));
    for (name, bucket) in buckets::buckets(ctx, config) {
        ctx.add_export(&key("bucket", &name), &bucket);
    }
    for (name, table) in tables::tables(ctx, config) {
        ctx.add_export(&key("table", &name), &table);
    }
    for (name, url) in registries::repositories(ctx, config) {
        ctx.add_export(&key("ecr", &name), &url);
    }
    let identity = identity::identity(ctx, config);
    ctx.add_export("user_pool_id", &identity.user_pool_id);
    ctx.add_export("user_pool_arn", &identity.user_pool_arn);
    ctx.add_export("public_client_id", &identity.public_client_id);
    ctx.add_export("m2m_client_id", &identity.m2m_client_id);
    ctx.add_export("trail_arn", &audit::trail(ctx, config));
    ctx.add_export(
        "pulumi_state_bucket_name",
        &audit::state_bucket(ctx, config),
    );
}
