//! Outbound internet for the private subnets: a NAT instance in an auto-scaling group of one (ADR-001) or a
//! NAT gateway, as the config says.

use base64::Engine as _;
use pulumi_gestalt_rust::{Context, Output};
use serde_json::json;
use tradai_config::{Config, Layer, NatMode};
use tradai_pulumi_aws::types::autoscaling as asg_types;
use tradai_pulumi_aws::{cloudwatch, ec2, iam};
use tradai_stack_kit::{assume_role, int, tags, InstanceGroup, PolicyBuilder};

use crate::network::Network;
use crate::security::Groups;

/// Amazon Linux 2023 for ARM, resolved by EC2 at launch, so a replacement always runs the latest image.
const AL2023_ARM64: &str =
    "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/// Boot script of a NAT instance: forwarding, masquerade, source/destination check off, the static EIP.
fn user_data(allocation_id: &str, region: &str) -> String {
    let script = format!(
        "#!/bin/bash\nset -euo pipefail\n\
         sysctl -w net.ipv4.ip_forward=1\necho 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf\n\
         dnf install -y iptables-services\n\
         iface=$(ip route show default | awk '{{print $5}}')\n\
         iptables -t nat -A POSTROUTING -o \"$iface\" -j MASQUERADE\niptables -F FORWARD\nservice iptables save\n\
         token=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')\n\
         instance=$(curl -s -H \"X-aws-ec2-metadata-token: $token\" http://169.254.169.254/latest/meta-data/instance-id)\n\
         aws ec2 modify-instance-attribute --region {region} --instance-id \"$instance\" --no-source-dest-check\n\
         aws ec2 associate-address --region {region} --instance-id \"$instance\" --allocation-id {allocation_id} --allow-reassociation\n"
    );
    base64::engine::general_purpose::STANDARD.encode(script)
}

/// What the NAT exports: in instance mode the names the update-nat-routes Lambda serves and the group (for
/// its alarm); in gateway mode the gateway id (for its alarm).
pub enum Nat {
    Instance {
        launch_rule_name: Output<String>,
        lifecycle_hook_name: Output<String>,
        group_name: Output<String>,
    },
    Gateway {
        id: Output<String>,
    },
}

/// Create the NAT of the configured mode. In instance mode the private default route is written by the
/// update-nat-routes Lambda (compute layer) when a launch completes; this layer creates the rule that calls it.
pub fn nat(ctx: &Context, config: &Config, net: &Network, groups: &Groups) -> anyhow::Result<Nat> {
    let names = config.names();
    let settings = &config.settings().network.nat;
    let region = config.settings().aws.region.clone();
    let eip = ec2::eip::create(
        ctx,
        &names.resource("nat-eip"),
        ec2::eip::EipArgs::builder()
            .domain("vpc")
            .tags(tags(config, Layer::Foundation, "nat-eip"))
            .build_struct(),
    );
    let first_public = net
        .public
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the config has no public subnet for the NAT"))?;
    if settings.mode == NatMode::Gateway {
        let gateway = ec2::nat_gateway::create(
            ctx,
            &names.resource("nat-gw"),
            ec2::nat_gateway::NatGatewayArgs::builder()
                .allocation_id(eip.allocation_id)
                .subnet_id(first_public)
                .tags(tags(config, Layer::Foundation, "nat-gw"))
                .build_struct(),
        );
        ec2::route::create(
            ctx,
            &names.resource("private-default-route"),
            ec2::route::RouteArgs::builder()
                .route_table_id(net.private_route_table.clone())
                .destination_cidr_block("0.0.0.0/0")
                .nat_gateway_id(gateway.id.clone())
                .build_struct(),
        );
        return Ok(Nat::Gateway { id: gateway.id });
    }
    let role_name = names.resource("nat-role");
    let role = iam::role::create(
        ctx,
        &role_name,
        iam::role::RoleArgs::builder()
            .name(role_name.clone())
            .assume_role_policy(assume_role("ec2.amazonaws.com"))
            .tags(tags(config, Layer::Foundation, "nat"))
            .build_struct(),
    );
    let policy = eip.allocation_id.map({
        let region = region.clone();
        move |allocation: String| {
            PolicyBuilder::new()
                .allow(
                    &["ec2:AssociateAddress"],
                    &[
                        format!("arn:aws:ec2:{region}:*:elastic-ip/{allocation}"),
                        format!("arn:aws:ec2:{region}:*:instance/*"),
                    ],
                )
                .allow(
                    &["ec2:ModifyInstanceAttribute"],
                    &[format!("arn:aws:ec2:{region}:*:instance/*")],
                )
                .build()
                .expect("the NAT policy names its actions and resources")
        }
    });
    iam::role_policy::create(
        ctx,
        &format!("{role_name}-policy"),
        iam::role_policy::RolePolicyArgs::builder()
            .role(role.name.clone())
            .policy(policy)
            .build_struct(),
    );
    let hook_name = names.resource("nat-launching");
    let group = InstanceGroup {
        layer: Layer::Foundation,
        component: "nat",
        image: AL2023_ARM64,
        instance_type: settings.instance_type.clone(),
        role_name: role.name,
        security_group: groups.ids["nat"].clone(),
        subnets: first_public.map(|subnet| vec![subnet]),
        public_ip: true,
        user_data: eip
            .allocation_id
            .map(move |allocation: String| user_data(&allocation, &region)),
        detailed_monitoring: true,
        enabled_metrics: vec!["GroupInServiceInstances".to_owned()],
        // Every launch waits until update-nat-routes has repointed the routes (or the heartbeat ends it). The
        // first launch happens before that function exists; the compute layer reconciles then (decision W29).
        initial_hooks: vec![asg_types::GroupInitialLifecycleHook::builder()
            .name(hook_name.clone())
            .lifecycle_transition("autoscaling:EC2_INSTANCE_LAUNCHING")
            .heartbeat_timeout(int(settings.lifecycle_heartbeat_seconds))
            .default_result("CONTINUE")
            .build_struct()],
    }
    .create(ctx, config);
    let pattern = group.name.map(|name| json!({"source": ["aws.autoscaling"], "detail-type": ["EC2 Instance-launch Lifecycle Action"], "detail": {"AutoScalingGroupName": [name]}}).to_string());
    let rule = cloudwatch::event_rule::create(
        ctx,
        &names.resource("nat-launch"),
        cloudwatch::event_rule::EventRuleArgs::builder()
            .name(names.resource("nat-launch"))
            .description("NAT instance launches: the update-nat-routes Lambda repoints the private default route")
            .event_pattern(pattern)
            .tags(tags(config, Layer::Foundation, "nat"))
            .build_struct(),
    );
    Ok(Nat::Instance {
        launch_rule_name: rule.name,
        lifecycle_hook_name: ctx.new_output(&hook_name),
        group_name: group.name,
    })
}
