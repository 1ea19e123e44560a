//! `tradai-stack-foundation`: the network and the shared services the compute layer runs on.

mod database;
mod endpoints;
mod messaging;
mod nacl;
mod nat;
mod network;
mod security;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;
use tradai_stack_kit::{collect, PersistentOutputs};

/// Create the foundation layer of `config` and export what compute and edge read.
pub fn foundation(ctx: &Context, config: &Config) -> anyhow::Result<()> {
    let persistent = PersistentOutputs::read(ctx, config);
    let net = network::network(ctx, config);
    let groups = security::groups(ctx, config, &net)?;
    nat::nat(ctx, config, &net, &groups)?;
    nacl::nacls(ctx, config, &net);
    endpoints::endpoints(ctx, config, &net, &groups, &persistent)?;
    let database = database::database(ctx, config, &net, &groups);
    let messaging = messaging::messaging(ctx, config);

    ctx.add_export("vpc_id", &net.vpc_id);
    for (tier, ids) in [
        ("public", &net.public),
        ("private", &net.private),
        ("database", &net.database),
    ] {
        let joined = collect(ctx, ids).map(|ids: Vec<String>| ids.join(","));
        ctx.add_export(&format!("{tier}_subnet_ids"), &joined);
    }
    ctx.add_export("private_route_table_id", &net.private_route_table);
    for (role, id) in &groups.ids {
        ctx.add_export(&format!("{role}_security_group_id"), id);
    }
    ctx.add_export("database_endpoint", &database.endpoint);
    ctx.add_export("database_secret_arn", &database.secret_arn);
    for (key, url) in &messaging.queue_urls {
        ctx.add_export(&format!("queue_url_{}", key.replace('-', "_")), url);
    }
    for (key, arn) in &messaging.queue_arns {
        ctx.add_export(&format!("queue_arn_{}", key.replace('-', "_")), arn);
    }
    for (key, arn) in &messaging.topic_arns {
        ctx.add_export(&format!("topic_arn_{}", key.replace('-', "_")), arn);
    }
    Ok(())
}
