//! The ECS cluster `tradai-{env}`, the Cloud Map namespace, and its capacity: Fargate (and Spot) always, plus
//! in consolidated mode one EC2 host (an auto-scaling group of one) that runs every always-on service.

use std::sync::Arc;

use base64::Engine as _;
use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{ComputeMode, Config, Layer};
use tradai_pulumi_aws::types::ecs as ecs_types;
use tradai_pulumi_aws::{ecs, servicediscovery};
use tradai_stack_kit::{known_list, known_value, tags, InstanceGroup, Known, PolicyBuilder};

use crate::access::Arns;
use crate::roles::role;

/// The ECS-optimized Amazon Linux 2023 image for x86_64, resolved at launch.
const ECS_AL2023: &str =
    "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";

/// What services and workflows run on.
pub struct Cluster {
    pub name: Output<String>,
    pub arn: Output<String>,
    pub namespace_id: Output<String>,
    /// The EC2 capacity provider of the consolidated host; `None` in Fargate mode.
    pub host_provider: Option<Output<String>>,
}

/// Create the cluster, the namespace and the capacity providers of the configured mode.
pub fn cluster(ctx: &Context, config: &Arc<Config>, known: &Output<Known>) -> Cluster {
    let names = config.names();
    let s = config.settings();
    let cluster_name = names.ecs_cluster();
    let cluster = ecs::cluster::create(
        ctx,
        &cluster_name,
        ecs::cluster::ClusterArgs::builder()
            .name(cluster_name.clone())
            .settings(vec![ecs_types::ClusterSetting::builder()
                .name("containerInsights")
                .value(if s.compute.container_insights {
                    "enabled"
                } else {
                    "disabled"
                })
                .build_struct()])
            .tags(tags(config, Layer::Compute, "cluster"))
            .build_struct(),
    );
    let namespace = servicediscovery::private_dns_namespace::create(
        ctx,
        &names.resource("namespace"),
        servicediscovery::private_dns_namespace::PrivateDnsNamespaceArgs::builder()
            .name(s.compute.service_discovery_namespace.clone())
            .description(format!("TradAI services ({})", config.env()))
            .vpc(known_value(known, |k| &k.foundation.vpc_id))
            .tags(tags(config, Layer::Compute, "namespace"))
            .build_struct(),
    );
    let host_provider = (s.compute.mode == ComputeMode::ConsolidatedEc2)
        .then(|| consolidated_host(ctx, config, known));
    let mut providers = vec![
        ctx.new_output(&"FARGATE".to_owned()),
        ctx.new_output(&"FARGATE_SPOT".to_owned()),
    ];
    let default = host_provider
        .clone()
        .unwrap_or_else(|| ctx.new_output(&"FARGATE".to_owned()));
    if let Some(host) = &host_provider {
        providers.insert(0, host.clone());
    }
    ecs::cluster_capacity_providers::create(
        ctx,
        &format!("{cluster_name}-capacity"),
        ecs::cluster_capacity_providers::ClusterCapacityProvidersArgs::builder()
            .cluster_name(cluster.name.clone())
            .capacity_providers(tradai_stack_kit::collect(ctx, &providers))
            .default_capacity_provider_strategies(default.map(|provider| {
                vec![
                    ecs_types::ClusterCapacityProvidersDefaultCapacityProviderStrategy::builder()
                        .capacity_provider(provider)
                        .weight(1)
                        .build_struct(),
                ]
            }))
            .build_struct(),
    );
    Cluster {
        name: cluster.name,
        arn: cluster.arn,
        namespace_id: namespace.id,
        host_provider,
    }
}

/// One EC2 host in the private subnets, registered with the cluster, as a capacity provider.
fn consolidated_host(ctx: &Context, config: &Arc<Config>, known: &Output<Known>) -> Output<String> {
    let names = config.names();
    let host_role = role(
        ctx,
        config,
        known,
        "ecs-host-role",
        "ec2.amazonaws.com",
        |config, known| {
            let arns = Arns { config, known };
            PolicyBuilder::new()
                .allow(
                    &[
                        "ecs:RegisterContainerInstance",
                        "ecs:DeregisterContainerInstance",
                        "ecs:SubmitContainerStateChange",
                        "ecs:SubmitTaskStateChange",
                        "ecs:UpdateContainerInstancesState",
                    ],
                    &[arns.cluster()],
                )
                // DiscoverPollEndpoint has no resource type; the agent's polls name its container instance.
                .allow(&["ecs:DiscoverPollEndpoint"], &["*"])
                .allow(
                    &["ecs:Poll", "ecs:StartTelemetrySession"],
                    &[arns.container_instances()],
                )
                .allow(&["ecr:GetAuthorizationToken"], &["*"])
                .allow(
                    &["logs:CreateLogStream", "logs:PutLogEvents"],
                    &[arns.log_group(&config.names().ecs_log_group())],
                )
                .build()
        },
    );
    let user_data = base64::engine::general_purpose::STANDARD.encode(format!(
        "#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\nECS_CLUSTER={}\nECS_ENABLE_CONTAINER_METADATA=true\nEOF\n",
        names.ecs_cluster()
    ));
    let group = InstanceGroup {
        layer: Layer::Compute,
        component: "ecs-host",
        image: ECS_AL2023,
        instance_type: config.settings().compute.consolidated_instance_type.clone(),
        role_name: host_role.name,
        security_group: known_value(known, |k| &k.foundation.security_groups.ecs),
        subnets: known_list(known, |k| &k.foundation.private_subnet_ids),
        public_ip: false,
        user_data: ctx.new_output(&user_data),
        detailed_monitoring: false,
        initial_hooks: Vec::new(),
        enabled_metrics: vec![],
    }
    .create(ctx, config);
    let provider = ecs::capacity_provider::create(
        ctx,
        &names.resource("ecs-host-capacity"),
        ecs::capacity_provider::CapacityProviderArgs::builder()
            .name(names.resource("ecs-host-capacity"))
            .auto_scaling_group_provider(group.arn.map(|arn| {
                ecs_types::CapacityProviderAutoScalingGroupProvider::builder()
                    .auto_scaling_group_arn(arn)
                    .managed_termination_protection("DISABLED")
                    .build_struct()
            }))
            .tags(tags(config, Layer::Compute, "ecs-host"))
            .build_struct(),
    );
    provider.name
}
