//! Stateless network ACLs per tier: public open to the web, private and database only to the VPC (and, for
//! private, return traffic of outbound connections).

use pulumi_gestalt_rust::Context;
use tradai_config::{Config, Layer, Tier};
use tradai_pulumi_aws::ec2;
use tradai_stack_kit::tags;

use crate::network::Network;

/// (rule number, egress, protocol, from, to, cidr) of a tier.
fn entries(config: &Config, tier: Tier) -> Vec<(i32, bool, &'static str, i32, i32, String)> {
    let vpc = config.settings().network.vpc_cidr.clone();
    let ephemeral = (1024, 65535);
    match tier {
        Tier::Public => vec![
            (100, false, "tcp", 443, 443, "0.0.0.0/0".into()),
            (110, false, "tcp", 80, 80, "0.0.0.0/0".into()),
            (
                120,
                false,
                "tcp",
                ephemeral.0,
                ephemeral.1,
                "0.0.0.0/0".into(),
            ),
            (130, false, "-1", 0, 0, vpc.clone()),
            (100, true, "-1", 0, 0, "0.0.0.0/0".into()),
        ],
        Tier::Private => vec![
            (100, false, "-1", 0, 0, vpc.clone()),
            (
                110,
                false,
                "tcp",
                ephemeral.0,
                ephemeral.1,
                "0.0.0.0/0".into(),
            ),
            (100, true, "-1", 0, 0, "0.0.0.0/0".into()),
        ],
        Tier::Database => vec![
            (100, false, "-1", 0, 0, vpc.clone()),
            (100, true, "-1", 0, 0, vpc),
        ],
    }
}

/// One ACL per tier, associated with the tier's subnets.
pub fn nacls(ctx: &Context, config: &Config, net: &Network) {
    let names = config.names();
    for (tier, label, subnets) in [
        (Tier::Public, "public", &net.public),
        (Tier::Private, "private", &net.private),
        (Tier::Database, "database", &net.database),
    ] {
        let name = names.resource(&format!("{label}-nacl"));
        let acl = ec2::network_acl::create(
            ctx,
            &name,
            ec2::network_acl::NetworkAclArgs::builder()
                .vpc_id(net.vpc_id.clone())
                .tags(tags(config, Layer::Foundation, &format!("{label}-nacl")))
                .build_struct(),
        );
        for (number, egress, protocol, from, to, cidr) in entries(config, tier) {
            let direction = if egress { "out" } else { "in" };
            ec2::network_acl_rule::create(
                ctx,
                &format!("{name}-{direction}-{number}"),
                ec2::network_acl_rule::NetworkAclRuleArgs::builder()
                    .network_acl_id(acl.id.clone())
                    .rule_number(number)
                    .egress(egress)
                    .protocol(protocol)
                    .rule_action("allow")
                    .cidr_block(cidr)
                    .from_port(from)
                    .to_port(to)
                    .build_struct(),
            );
        }
        for (index, subnet) in subnets.iter().enumerate() {
            ec2::network_acl_association::create(
                ctx,
                &format!("{name}-{index}"),
                ec2::network_acl_association::NetworkAclAssociationArgs::builder()
                    .network_acl_id(acl.id.clone())
                    .subnet_id(subnet.clone())
                    .build_struct(),
            );
        }
    }
}
