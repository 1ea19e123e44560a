//! `tradai-stack-foundation`: the network and the shared services the compute layer runs on.

mod database;
mod endpoints;
mod messaging;
mod nacl;
mod nat;
mod network;
mod security;

pub use security::ROLES;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;
use tradai_stack_kit::{collect, FoundationOutputs, PersistentOutputs};

/// Create the foundation layer of `config` and export what compute and edge read.
pub fn foundation(ctx: &Context, config: &Config) -> anyhow::Result<()> {
    let persistent = PersistentOutputs::read(ctx, config);
    let net = network::network(ctx, config);
    let groups = security::groups(ctx, config, &net)?;
    nacl::nacls(ctx, config, &net);
    endpoints::endpoints(ctx, config, &net, &groups, &persistent)?;
    let database = database::database(ctx, config, &net, &groups);
    let messaging = messaging::messaging(ctx, config);

    let nat = nat::nat(ctx, config, &net, &groups)?;
    let joined = |ids: &[pulumi_gestalt_rust::Output<String>]| {
        collect(ctx, ids).map(|ids: Vec<String>| ids.join(","))
    };
    let outputs = FoundationOutputs {
        vpc_id: net.vpc_id.clone(),
        public_subnet_ids: joined(&net.public),
        private_subnet_ids: joined(&net.private),
        database_subnet_ids: joined(&net.database),
        private_route_table_id: net.private_route_table.clone(),
        security_group_ids: groups
            .ids
            .iter()
            .map(|(role, id)| ((*role).to_owned(), id.clone()))
            .collect(),
        database_endpoint: database.endpoint,
        database_secret_arn: database.secret_arn,
        queue_urls: messaging.queue_urls,
        queue_arns: messaging.queue_arns,
        topic_arns: messaging.topic_arns,
        nat_launch_rule_name: None,
        nat_lifecycle_hook_name: None,
        nat_group_name: None,
        nat_gateway_id: None,
    };
    let outputs = match nat {
        nat::Nat::Instance {
            launch_rule_name,
            lifecycle_hook_name,
            group_name,
        } => FoundationOutputs {
            nat_launch_rule_name: Some(launch_rule_name),
            nat_lifecycle_hook_name: Some(lifecycle_hook_name),
            nat_group_name: Some(group_name),
            ..outputs
        },
        nat::Nat::Gateway { id } => FoundationOutputs {
            nat_gateway_id: Some(id),
            ..outputs
        },
    };
    outputs.export(ctx);
    Ok(())
}
