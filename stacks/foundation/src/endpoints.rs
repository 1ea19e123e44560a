//! VPC endpoints (gateway: S3, DynamoDB; interface: the config's list) and VPC flow logs to CloudWatch.

use pulumi_gestalt_rust::Context;
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::{cloudwatch, ec2, iam};
use tradai_stack_kit::{assume_role, collect, int, tags, PersistentOutputs, PolicyBuilder};

use crate::network::Network;
use crate::security::Groups;

/// Create the endpoints and the flow logs. The DynamoDB endpoint only reaches the platform's tables, named by
/// the persistent layer's exports.
pub fn endpoints(
    ctx: &Context,
    config: &Config,
    net: &Network,
    groups: &Groups,
    persistent: &PersistentOutputs,
) -> anyhow::Result<()> {
    let names = config.names();
    let s = config.settings();
    let region = s.aws.region.clone();
    let route_tables = collect(
        ctx,
        &[
            net.private_route_table.clone(),
            net.database_route_table.clone(),
        ],
    );
    let tables: Vec<_> = persistent.tables.values().cloned().collect();
    let tables = collect(ctx, &tables);
    let dynamodb_policy = tables.map({
        let region = region.clone();
        move |tables: Vec<String>| {
            let arns: Vec<String> = tables
                .iter()
                .flat_map(|t| {
                    [
                        format!("arn:aws:dynamodb:{region}:*:table/{t}"),
                        format!("arn:aws:dynamodb:{region}:*:table/{t}/index/*"),
                    ]
                })
                .collect();
            PolicyBuilder::new()
                .allow(&["dynamodb:*"], &arns)
                .build()
                .expect("the endpoint policy names its tables")
        }
    });
    for service in &s.network.gateway_endpoints {
        let mut args = ec2::vpc_endpoint::VpcEndpointArgs::builder()
            .vpc_id(net.vpc_id.clone())
            .service_name(format!("com.amazonaws.{region}.{service}"))
            .vpc_endpoint_type("Gateway")
            .route_table_ids(route_tables.clone())
            .tags(tags(
                config,
                Layer::Foundation,
                &format!("{service}-endpoint"),
            ))
            .build_struct();
        if service == "dynamodb" {
            args.policy = dynamodb_policy.clone().into();
        }
        ec2::vpc_endpoint::create(ctx, &names.resource(&format!("{service}-endpoint")), args);
    }
    let private = collect(ctx, &net.private);
    let group = groups.ids["endpoints"].map(|id| vec![id]);
    for service in &s.network.interface_endpoints {
        let component = format!("{}-endpoint", service.replace('.', "-"));
        ec2::vpc_endpoint::create(
            ctx,
            &names.resource(&component),
            ec2::vpc_endpoint::VpcEndpointArgs::builder()
                .vpc_id(net.vpc_id.clone())
                .service_name(format!("com.amazonaws.{region}.{service}"))
                .vpc_endpoint_type("Interface")
                .subnet_ids(private.clone())
                .security_group_ids(group.clone())
                .private_dns_enabled(true)
                .tags(tags(config, Layer::Foundation, &component))
                .build_struct(),
        );
    }
    if s.network.flow_logs {
        flow_logs(ctx, config, net);
    }
    Ok(())
}

fn flow_logs(ctx: &Context, config: &Config, net: &Network) {
    let names = config.names();
    let region = &config.settings().aws.region;
    let group_name = format!("/aws/vpc/{}/flow-logs", names.environment_wide());
    let group = cloudwatch::log_group::create(
        ctx,
        &names.resource("flow-logs"),
        cloudwatch::log_group::LogGroupArgs::builder()
            .name(group_name.clone())
            .retention_in_days(int(config.settings().logging.retention_days))
            .tags(tags(config, Layer::Foundation, "flow-logs"))
            .build_struct(),
    );
    let role_name = names.resource("flow-logs-role");
    let role = iam::role::create(
        ctx,
        &role_name,
        iam::role::RoleArgs::builder()
            .name(role_name.clone())
            .assume_role_policy(assume_role("vpc-flow-logs.amazonaws.com"))
            .tags(tags(config, Layer::Foundation, "flow-logs"))
            .build_struct(),
    );
    let policy = PolicyBuilder::new()
        .allow(
            &[
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
            ],
            &[format!("arn:aws:logs:{region}:*:log-group:{group_name}:*")],
        )
        .build()
        .expect("the flow-log policy names its log group");
    iam::role_policy::create(
        ctx,
        &format!("{role_name}-policy"),
        iam::role_policy::RolePolicyArgs::builder()
            .role(role.name)
            .policy(policy)
            .build_struct(),
    );
    ec2::flow_log::create(
        ctx,
        &names.resource("flow-log"),
        ec2::flow_log::FlowLogArgs::builder()
            .vpc_id(net.vpc_id.clone())
            .traffic_type("ALL")
            .log_destination_type("cloud-watch-logs")
            .log_destination(group.arn)
            .iam_role_arn(role.arn)
            .tags(tags(config, Layer::Foundation, "flow-log"))
            .build_struct(),
    );
}
