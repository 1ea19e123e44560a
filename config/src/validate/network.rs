//! Rules on the region, AZs, VPC, subnets, NAT and endpoints.

use std::collections::{BTreeMap, BTreeSet};

use super::{in_range, no_duplicates, quoted};
use crate::cidr::Ipv4Cidr;
use crate::problem::Problem;
use crate::{Settings, Tier};

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    check_region(s, out);
    let net = &s.network;
    let vpc = match net.vpc_cidr.parse::<Ipv4Cidr>() {
        Ok(vpc) => {
            if !(16..=28).contains(&vpc.prefix()) {
                out.push(Problem::new(
                    "network.vpc_cidr",
                    quoted(&net.vpc_cidr),
                    "VPC prefix length is outside what AWS allows",
                    "a block from /16 to /28",
                ));
            }
            Some(vpc)
        }
        Err(err) => {
            out.push(Problem::new(
                "network.vpc_cidr",
                quoted(&net.vpc_cidr),
                format!("not a CIDR block: {err}"),
                "an IPv4 network like 10.0.0.0/16",
            ));
            None
        }
    };
    let mut parsed: Vec<(&String, Ipv4Cidr)> = Vec::new();
    let mut zones_per_tier: BTreeMap<Tier, BTreeSet<&str>> = BTreeMap::new();
    for (key, subnet) in &net.subnets {
        let path = format!("network.subnets.{key}");
        zones_per_tier
            .entry(subnet.tier)
            .or_default()
            .insert(&subnet.availability_zone);
        if !s.aws.availability_zones.contains(&subnet.availability_zone) {
            out.push(Problem::new(
                format!("{path}.availability_zone"),
                quoted(&subnet.availability_zone),
                "not one of aws.availability_zones",
                s.aws.availability_zones.join(", "),
            ));
        }
        let cidr = match subnet.cidr.parse::<Ipv4Cidr>() {
            Ok(cidr) => cidr,
            Err(err) => {
                out.push(Problem::new(
                    format!("{path}.cidr"),
                    quoted(&subnet.cidr),
                    format!("not a CIDR block: {err}"),
                    "an IPv4 network like 10.0.1.0/24",
                ));
                continue;
            }
        };
        if let Some(vpc) = vpc.filter(|vpc| !vpc.contains(&cidr)) {
            out.push(Problem::new(
                format!("{path}.cidr"),
                quoted(&subnet.cidr),
                "subnet lies outside the VPC",
                format!("a block inside network.vpc_cidr {vpc}"),
            ));
        }
        if !(16..=28).contains(&cidr.prefix()) {
            out.push(Problem::new(
                format!("{path}.cidr"),
                quoted(&subnet.cidr),
                "subnet prefix length is outside what AWS allows",
                "a block from /16 to /28",
            ));
        }
        for (other_key, other) in &parsed {
            if cidr.overlaps(other) {
                // Reported at both subnets, so each is named with the file that set it.
                for (at, value, with, with_cidr) in [
                    (key, cidr, *other_key, *other),
                    (*other_key, *other, key, cidr),
                ] {
                    out.push(Problem::new(
                        format!("network.subnets.{at}.cidr"),
                        quoted(&value.to_string()),
                        format!("overlaps network.subnets.{with}.cidr {with_cidr}"),
                        "a block that shares no address with another subnet",
                    ));
                }
            }
        }
        parsed.push((key, cidr));
    }
    for tier in [Tier::Public, Tier::Private, Tier::Database] {
        let zones = zones_per_tier.get(&tier).map_or(0, BTreeSet::len);
        if zones < 2 {
            let name = format!("{tier:?}").to_lowercase();
            out.push(Problem::new("network.subnets", format!("{zones} {name} zone(s)"), format!("the {name} tier spans fewer than 2 availability zones (the ALB and the RDS subnet group need 2)"), format!("{name} subnets in at least 2 zones")));
        }
    }
    check_nat_and_endpoints(s, out);
}

fn check_region(s: &Settings, out: &mut Vec<Problem>) {
    let region = &s.aws.region;
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        out.push(Problem::new(
            "aws.region",
            quoted(region),
            "not an AWS region name",
            "a region such as eu-central-1",
        ));
    }
    let zones = &s.aws.availability_zones;
    if zones.len() < 2 {
        out.push(Problem::new(
            "aws.availability_zones",
            format!("{zones:?}"),
            "fewer than 2 availability zones",
            "at least 2 zones of aws.region",
        ));
    }
    for (index, zone) in zones.iter().enumerate() {
        let suffix = zone.strip_prefix(region.as_str());
        if !suffix.is_some_and(|z| z.len() == 1 && z.bytes().all(|b| b.is_ascii_lowercase())) {
            out.push(Problem::new(
                format!("aws.availability_zones[{index}]"),
                quoted(zone),
                "not a zone of aws.region",
                format!("{region} followed by one letter, e.g. {region}a"),
            ));
        }
    }
    no_duplicates(
        out,
        zones,
        |i| format!("aws.availability_zones[{i}]"),
        String::as_str,
        "zone",
    );
}

fn check_nat_and_endpoints(s: &Settings, out: &mut Vec<Problem>) {
    let nat = &s.network.nat;
    if !is_instance_type(&nat.instance_type) {
        out.push(Problem::new(
            "network.nat.instance_type",
            quoted(&nat.instance_type),
            "not an EC2 instance type",
            "<family>.<size>, e.g. t4g.nano",
        ));
    }
    in_range(
        out,
        "network.nat.lifecycle_heartbeat_seconds".into(),
        nat.lifecycle_heartbeat_seconds,
        30..=7200,
        "lifecycle hook heartbeat",
    );
    for (index, endpoint) in s.network.gateway_endpoints.iter().enumerate() {
        if !matches!(endpoint.as_str(), "s3" | "dynamodb") {
            out.push(Problem::new(
                format!("network.gateway_endpoints[{index}]"),
                quoted(endpoint),
                "AWS offers gateway endpoints only for S3 and DynamoDB",
                "s3, dynamodb",
            ));
        }
    }
    for (section, list) in [
        ("gateway_endpoints", &s.network.gateway_endpoints),
        ("interface_endpoints", &s.network.interface_endpoints),
    ] {
        no_duplicates(
            out,
            list,
            |i| format!("network.{section}[{i}]"),
            String::as_str,
            "endpoint",
        );
    }
    for (index, endpoint) in s.network.interface_endpoints.iter().enumerate() {
        let ok = !endpoint.is_empty()
            && endpoint.split('.').all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            out.push(Problem::new(
                format!("network.interface_endpoints[{index}]"),
                quoted(endpoint),
                "not an AWS service short name",
                "a name like ecr.api, logs or secretsmanager",
            ));
        }
    }
}

/// `t4g.nano`, `db.t4g.micro` without the `db.`: a family and a size.
pub(super) fn is_instance_type(text: &str) -> bool {
    let Some((family, size)) = text.split_once('.') else {
        return false;
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    word(family) && word(size) && family.starts_with(|c: char| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, problems, valid};

    #[test]
    fn rejects_a_vpc_cidr_with_bad_syntax() {
        let mut s = valid();
        s.network.vpc_cidr = "10.0.0.0/160".into();
        let p = expect_problem(&s, "network.vpc_cidr", "not a CIDR block");
        assert_eq!(p.to_string(), ": network.vpc_cidr = \"10.0.0.0/160\": not a CIDR block: expected <a.b.c.d>/<prefix>, e.g. 10.0.0.0/16; allowed: an IPv4 network like 10.0.0.0/16");
    }

    #[test]
    fn rejects_a_subnet_outside_the_vpc() {
        let mut s = valid();
        s.network.subnets.get_mut("private-1").expect("subnet").cidr = "10.1.11.0/24".into();
        let p = expect_problem(
            &s,
            "network.subnets.private-1.cidr",
            "subnet lies outside the VPC",
        );
        assert_eq!(p.allowed, "a block inside network.vpc_cidr 10.0.0.0/16");
    }

    #[test]
    fn rejects_overlapping_subnets_naming_the_other_subnet() {
        let mut s = valid();
        s.network.subnets.get_mut("public-2").expect("subnet").cidr = "10.0.0.0/23".into();
        expect_problem(
            &s,
            "network.subnets.public-2.cidr",
            "overlaps network.subnets.public-1.cidr 10.0.1.0/24",
        );
    }

    #[test]
    fn rejects_a_subnet_cidr_with_host_bits() {
        let mut s = valid();
        s.network
            .subnets
            .get_mut("database-1")
            .expect("subnet")
            .cidr = "10.0.21.5/24".into();
        expect_problem(
            &s,
            "network.subnets.database-1.cidr",
            "host bits are set; the network address is 10.0.21.0/24",
        );
    }

    #[test]
    fn rejects_a_subnet_in_an_unlisted_zone_and_a_tier_in_one_zone() {
        let mut s = valid();
        s.network
            .subnets
            .get_mut("database-2")
            .expect("subnet")
            .availability_zone = "eu-central-1a".into();
        s.network
            .subnets
            .get_mut("private-2")
            .expect("subnet")
            .availability_zone = "eu-central-1c".into();
        expect_problem(
            &s,
            "network.subnets.private-2.availability_zone",
            "not one of aws.availability_zones",
        );
        expect_problem(
            &s,
            "network.subnets",
            "the database tier spans fewer than 2 availability zones",
        );
    }

    #[test]
    fn rejects_zones_of_another_region_and_malformed_regions() {
        let mut s = valid();
        s.aws.region = "eu-west-1".into();
        expect_problem(&s, "aws.availability_zones[0]", "not a zone of aws.region");
        s.aws.region = "Frankfurt".into();
        expect_problem(&s, "aws.region", "not an AWS region name");
    }

    #[test]
    fn rejects_bad_nat_settings_and_gateway_endpoints() {
        let mut s = valid();
        s.network.nat.instance_type = "nano".into();
        s.network.nat.lifecycle_heartbeat_seconds = 5;
        s.network.gateway_endpoints.push("sqs".into());
        s.network.interface_endpoints = vec!["logs".into(), "logs".into()];
        expect_problem(&s, "network.nat.instance_type", "not an EC2 instance type");
        expect_problem(&s, "network.nat.lifecycle_heartbeat_seconds", "30 to 7200");
        expect_problem(
            &s,
            "network.gateway_endpoints[2]",
            "only for S3 and DynamoDB",
        );
        expect_problem(&s, "network.interface_endpoints[1]", "listed twice");
        assert!(problems(&s).len() >= 4);
    }
}
