//! `tradai-stack-persistent`: the data-bearing layer that survives every dev cycle. So far: the S3 buckets and
//! the DynamoDB tables of the canonical config.

mod buckets;
mod tables;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;

/// Create the persistent layer of `config` and export its resource names.
pub fn persistent(ctx: &Context, config: &Config) {
    for (key, name) in buckets::buckets(ctx, config) {
        ctx.add_export(&format!("bucket_{}", key.replace('-', "_")), &name);
    }
    for (key, name) in tables::tables(ctx, config) {
        ctx.add_export(&format!("table_{}", key.replace('-', "_")), &name);
    }
}
