//! The security groups and their least-privilege rules (reference §4.4; the chain ALB → ECS → RDS).

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer, ServiceKind, Tier};
use tradai_pulumi_aws::{ec2, vpc};
use tradai_stack_kit::{int, tags, Direction, Peer, SecurityRules};

use crate::network::Network;

/// The roles of the groups (defined in the kit, which both this layer and its readers use).
pub use tradai_stack_kit::SECURITY_ROLES as ROLES;

/// Group ids by role.
pub struct Groups {
    pub ids: BTreeMap<&'static str, Output<String>>,
}

/// The rules of the platform, from the config's ports and subnets.
pub fn rules(config: &Config) -> SecurityRules {
    let s = config.settings();
    let anywhere = || Peer::Cidr("0.0.0.0/0".into());
    let mut rules = SecurityRules::new()
        .allow_in("alb", (443, 443), anywhere(), "HTTPS from clients")
        .allow_in("alb", (80, 80), anywhere(), "HTTP, redirected to HTTPS")
        .allow_out(
            "ecs",
            (443, 443),
            anywhere(),
            "AWS APIs and exchanges through NAT or endpoints",
        )
        .allow_out(
            "lambda",
            (443, 443),
            anywhere(),
            "AWS APIs through NAT or endpoints",
        )
        .allow_between(
            "ecs",
            "rds",
            (s.database.port, s.database.port),
            "MLflow metadata",
        )
        .allow_between("api", "alb", (443, 443), "API Gateway VPC link")
        .allow_out("nat", (80, 80), anywhere(), "package repositories")
        .allow_out("nat", (443, 443), anywhere(), "forwarded HTTPS");
    for (key, service) in &s.services {
        let Some(port) = service.port else { continue };
        // Only a service the ALB routes to is reachable from it: MLflow (no ALB path, no authentication) is
        // reached by the platform alone (decision W20).
        if service.kind == ServiceKind::AlwaysOn && !service.alb_paths.is_empty() {
            rules = rules.allow_between("alb", "ecs", (port, port), key);
        }
        rules = rules
            .allow_between("ecs", "ecs", (port, port), key)
            .allow_between("lambda", "ecs", (port, port), key);
    }
    for subnet in s
        .network
        .subnets
        .values()
        .filter(|subnet| subnet.tier == Tier::Private)
    {
        for port in [80, 443] {
            rules = rules.allow_in(
                "nat",
                (port, port),
                Peer::Cidr(subnet.cidr.clone()),
                "outbound traffic of the private subnets",
            );
        }
        rules = rules.allow_in(
            "endpoints",
            (443, 443),
            Peer::Cidr(subnet.cidr.clone()),
            "AWS API calls from the private subnets",
        );
    }
    rules
}

/// `<group>-<in|out>-<peer>-<ports>`, e.g. `ecs-in-alb-8000`, `alb-in-anywhere-443`, `nat-in-10-0-11-0-24-80`.
fn rule_component(rule: &tradai_stack_kit::Rule) -> String {
    let direction = match rule.direction {
        Direction::Ingress => "in",
        Direction::Egress => "out",
    };
    let peer = match &rule.peer {
        Peer::Group(role) => (*role).to_owned(),
        Peer::Cidr(cidr) if cidr == "0.0.0.0/0" => "anywhere".to_owned(),
        Peer::Cidr(cidr) => cidr.replace(['.', '/'], "-"),
    };
    let ports = if rule.from_port == rule.to_port {
        rule.from_port.to_string()
    } else {
        format!("{}-{}", rule.from_port, rule.to_port)
    };
    format!("{}-{direction}-{peer}-{ports}", rule.group)
}

/// One ingress or egress rule resource (the two generated argument types have the same builder).
macro_rules! create_rule {
    ($module:ident, $args:ident, $ctx:expr, $name:expr, $group:expr, $rule:expr, $cidr:expr, $peer:expr, $tags:expr) => {{
        vpc::$module::create(
            $ctx,
            $name,
            vpc::$module::$args::builder()
                .security_group_id($group)
                .ip_protocol($rule.protocol)
                .from_port(int($rule.from_port))
                .to_port(int($rule.to_port))
                .cidr_ipv4($cidr)
                .maybe_referenced_security_group_id($peer)
                .description($rule.description.clone())
                .tags($tags)
                .build_struct(),
        );
    }};
}

/// Create the groups and their rules.
pub fn groups(ctx: &Context, config: &Config, net: &Network) -> anyhow::Result<Groups> {
    let names = config.names();
    let mut ids = BTreeMap::new();
    for role in ROLES {
        let name = names.resource(&format!("{role}-sg"));
        let group = ec2::security_group::create(
            ctx,
            &name,
            ec2::security_group::SecurityGroupArgs::builder()
                .name(name.clone())
                .description(format!("TradAI {role} ({})", config.env()))
                .vpc_id(net.vpc_id.clone())
                .revoke_rules_on_delete(true)
                .tags(tags(config, Layer::Foundation, &format!("{role}-sg")))
                .build_struct(),
        );
        ids.insert(role, group.id);
    }
    let mut seen = std::collections::BTreeSet::new();
    for rule in rules(config).build()? {
        let group = ids[rule.group].clone();
        let (cidr, peer_group) = match &rule.peer {
            Peer::Cidr(cidr) => (Some(cidr.clone()), None),
            Peer::Group(role) => (None, Some(ids[role].clone())),
        };
        // Named by what the rule allows, so adding a rule never renames (and replaces) the others.
        let name = names.resource(&rule_component(&rule));
        if !seen.insert(name.clone()) {
            continue;
        }
        let rule_tags = tags(config, Layer::Foundation, &format!("{}-sg", rule.group));
        match rule.direction {
            Direction::Ingress => create_rule!(
                security_group_ingress_rule,
                SecurityGroupIngressRuleArgs,
                ctx,
                &name,
                group,
                rule,
                cidr,
                peer_group,
                rule_tags
            ),
            Direction::Egress => create_rule!(
                security_group_egress_rule,
                SecurityGroupEgressRuleArgs,
                ctx,
                &name,
                group,
                rule,
                cidr,
                peer_group,
                rule_tags
            ),
        }
    }
    Ok(Groups { ids })
}
