//! Security-group rules as data: who may reach which group on which ports. Ingress from anywhere is refused
//! except to the ALB on 80/443.

/// Where traffic comes from or goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// An IPv4 block (`0.0.0.0/0` for anywhere).
    Cidr(String),
    /// Another group of the same builder, by role (`ecs`, `rds`, …).
    Group(&'static str),
}

/// Direction of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// One rule of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The group the rule belongs to, by role.
    pub group: &'static str,
    pub direction: Direction,
    pub protocol: &'static str,
    pub from_port: u16,
    pub to_port: u16,
    pub peer: Peer,
    pub description: String,
}

/// An ingress rule open to the internet on a group that must not be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("group {group} would accept {from_port}-{to_port} from 0.0.0.0/0; only the ALB may, and only on 80 and 443")]
pub struct OpenIngress {
    pub group: &'static str,
    pub from_port: u16,
    pub to_port: u16,
}

/// Collects the rules of a set of groups.
#[derive(Debug, Clone, Default)]
pub struct SecurityRules {
    rules: Vec<Rule>,
}

impl SecurityRules {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Let `peer` reach `group` on TCP `ports`.
    pub fn allow_in(
        self,
        group: &'static str,
        ports: (u16, u16),
        peer: Peer,
        description: &str,
    ) -> Self {
        self.push(Direction::Ingress, group, ports, peer, description)
    }

    /// Let `group` reach `peer` on TCP `ports`.
    pub fn allow_out(
        self,
        group: &'static str,
        ports: (u16, u16),
        peer: Peer,
        description: &str,
    ) -> Self {
        self.push(Direction::Egress, group, ports, peer, description)
    }

    /// Let group `from` reach group `to` on TCP `ports`: egress on `from` and ingress on `to` (the groups have no
    /// default egress, so a flow between two groups takes both).
    pub fn allow_between(
        self,
        from: &'static str,
        to: &'static str,
        ports: (u16, u16),
        what: &str,
    ) -> Self {
        let description = format!("{what}: {from} to {to}");
        self.allow_out(from, ports, Peer::Group(to), &description)
            .allow_in(to, ports, Peer::Group(from), &description)
    }

    fn push(
        mut self,
        direction: Direction,
        group: &'static str,
        ports: (u16, u16),
        peer: Peer,
        description: &str,
    ) -> Self {
        self.rules.push(Rule {
            group,
            direction,
            protocol: "tcp",
            from_port: ports.0,
            to_port: ports.1,
            peer,
            description: description.to_owned(),
        });
        self
    }

    /// The rules, unless one opens a group other than the ALB (or other ports than 80/443) to the internet.
    pub fn build(self) -> Result<Vec<Rule>, OpenIngress> {
        for rule in &self.rules {
            let anywhere = rule.peer == Peer::Cidr("0.0.0.0/0".into());
            let web = rule.group == "alb"
                && rule.from_port == rule.to_port
                && matches!(rule.from_port, 80 | 443);
            if rule.direction == Direction::Ingress && anywhere && !web {
                return Err(OpenIngress {
                    group: rule.group,
                    from_port: rule.from_port,
                    to_port: rule.to_port,
                });
            }
        }
        Ok(self.rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anywhere() -> Peer {
        Peer::Cidr("0.0.0.0/0".into())
    }

    #[test]
    fn the_alb_may_take_web_traffic_from_anywhere() {
        let rules = SecurityRules::new()
            .allow_in("alb", (443, 443), anywhere(), "HTTPS")
            .allow_in("alb", (80, 80), anywhere(), "HTTP, redirected")
            .allow_out("alb", (8000, 8000), Peer::Group("ecs"), "backend")
            .build()
            .expect("allowed");
        assert_eq!(rules.len(), 3);
    }

    #[test]
    fn a_flow_between_groups_opens_both_sides() {
        let rules = SecurityRules::new()
            .allow_between("ecs", "rds", (5432, 5432), "MLflow metadata")
            .build()
            .expect("allowed");
        assert_eq!(
            rules
                .iter()
                .map(|r| (r.group, r.direction, r.peer.clone()))
                .collect::<Vec<_>>(),
            [
                ("ecs", Direction::Egress, Peer::Group("rds")),
                ("rds", Direction::Ingress, Peer::Group("ecs"))
            ]
        );
        assert_eq!(rules[0].description, "MLflow metadata: ecs to rds");
    }

    #[test]
    fn refuses_internet_ingress_anywhere_else() {
        let err = SecurityRules::new()
            .allow_in("rds", (5432, 5432), anywhere(), "oops")
            .build()
            .expect_err("open database");
        assert_eq!(err.to_string(), "group rds would accept 5432-5432 from 0.0.0.0/0; only the ALB may, and only on 80 and 443");
        assert!(SecurityRules::new()
            .allow_in("alb", (0, 65535), anywhere(), "all")
            .build()
            .is_err());
        assert!(SecurityRules::new()
            .allow_out("ecs", (443, 443), anywhere(), "egress is fine")
            .build()
            .is_ok());
    }
}
