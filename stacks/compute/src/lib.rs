//! `tradai-stack-compute`: what runs (reference §2, §6, §10, §11). IAM roles, the public ALB, the ECS cluster
//! with its services and task definitions, the Lambdas and the Step Functions state machines. Everything it
//! needs from below comes from the persistent and foundation layers' exports (StackReference); it exports
//! [`ComputeOutputs`] for the edge layer.

mod access;
mod balancer;
mod cluster;
mod functions;
mod roles;
mod services;
mod workflows;

pub use access::{lambda_policy, resolve};
pub use services::container_definitions;

use std::sync::Arc;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;
use tradai_stack_kit::{ComputeOutputs, FoundationOutputs, Known, PersistentOutputs};

/// Create the compute layer of `config` and export its [`ComputeOutputs`].
pub fn compute(ctx: &Context, config: &Config) -> anyhow::Result<()> {
    let config = Arc::new(config.clone());
    let known = Known::upstream(
        ctx,
        &PersistentOutputs::read(ctx, &config),
        &FoundationOutputs::read(ctx, &config),
    );

    tradai_stack_kit::log_group(
        ctx,
        &config,
        tradai_config::Layer::Compute,
        &config.names().ecs_log_group(),
        "ecs",
    );
    let roles = roles::roles(ctx, &config, &known);
    let cluster = cluster::cluster(ctx, &config, &known);
    let balancer = balancer::balancer(ctx, &config, &known);
    services::services(ctx, &config, &known, &roles, &cluster, &balancer);
    let functions = functions::functions(ctx, &config, &known);
    let machines = workflows::workflows(ctx, &config, &known, &functions);

    ComputeOutputs {
        alb_arn: balancer.arn,
        alb_arn_suffix: balancer.arn_suffix,
        alb_dns_name: balancer.dns_name,
        https_listener_arn: balancer.https_listener_arn,
        cluster_name: cluster.name,
        cluster_arn: cluster.arn,
        namespace_id: cluster.namespace_id,
        target_group_arn_suffixes: balancer
            .target_groups
            .into_iter()
            .map(|(key, group)| (key, group.arn_suffix))
            .collect(),
        function_arns: functions
            .iter()
            .map(|(key, f)| (key.clone(), f.arn.clone()))
            .collect(),
        function_names: functions
            .into_iter()
            .map(|(key, f)| (key, f.name))
            .collect(),
        state_machine_arns: machines,
    }
    .export(ctx);
    Ok(())
}
