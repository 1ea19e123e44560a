//! Rules on the entry points: the ALB (domain, TLS policy, path routing of the services) and the HTTP API's
//! routes and throttling.

use std::collections::BTreeMap;

use super::{in_range, no_duplicates, quoted};
use crate::problem::Problem;
use crate::{ApiRoute, ServiceKind, Settings};

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    alb(s, out);
    routing(s, out);
    api(s, out);
}

/// A DNS name of at least two labels of letters, digits and inner hyphens.
fn is_hostname(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').count() >= 2
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn alb(s: &Settings, out: &mut Vec<Problem>) {
    if !is_hostname(&s.alb.domain_name) {
        out.push(Problem::new(
            "alb.domain_name",
            quoted(&s.alb.domain_name),
            "not a DNS name a certificate can be issued for",
            "lower-case labels separated by dots, e.g. api.dev.example.com",
        ));
    }
    if !s.alb.ssl_policy.starts_with("ELBSecurityPolicy-") {
        out.push(Problem::new(
            "alb.ssl_policy",
            quoted(&s.alb.ssl_policy),
            "not an ELB TLS policy",
            "an ELBSecurityPolicy-* name, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06",
        ));
    }
    in_range(
        out,
        "alb.idle_timeout_seconds".into(),
        s.alb.idle_timeout_seconds,
        1..=4000,
        "idle timeout",
    );
    in_range(
        out,
        "alb.deregistration_delay_seconds".into(),
        s.alb.deregistration_delay_seconds,
        0..=3600,
        "deregistration delay",
    );
}

fn routing(s: &Settings, out: &mut Vec<Problem>) {
    let mut priorities: BTreeMap<u32, &str> = BTreeMap::new();
    for (key, service) in &s.services {
        let path = format!("services.{key}");
        let served = service.kind == ServiceKind::AlwaysOn && service.port.is_some();
        if !served {
            if !service.alb_paths.is_empty() {
                out.push(Problem::new(
                    format!("{path}.alb_paths"),
                    format!("{:?}", service.alb_paths),
                    "only always-on services with a port sit behind the ALB",
                    "no alb_paths",
                ));
            }
            continue;
        }
        if let Some(reservation) = service.memory_reservation_mib {
            if reservation == 0 || reservation > service.memory_mib {
                out.push(Problem::new(
                    format!("{path}.memory_reservation_mib"),
                    reservation,
                    "the reservation must be positive and at most the hard limit",
                    format!("1 to memory_mib ({})", service.memory_mib),
                ));
            }
        }
        match (&service.build, service.kind) {
            (Some(build), _) => {
                if let Err(allowed) = crate::images::Build::parse(build) {
                    out.push(Problem::new(
                        format!("{path}.build"),
                        build,
                        "not a build the pipeline knows",
                        allowed,
                    ));
                }
            }
            (None, ServiceKind::AlwaysOn | ServiceKind::OnDemand) => out.push(Problem::new(
                format!("{path}.build"),
                "(unset)",
                "the pipeline must build the image of every always-on and on-demand service",
                "service:<binary> or mlflow",
            )),
            (None, ServiceKind::PerStrategy) => {}
        }
        if let Some(command) = &service.health_command {
            if command.len() < 2 || command[0] != "CMD" {
                out.push(Problem::new(
                    format!("{path}.health_command"),
                    format!("{command:?}"),
                    "a container health check in exec form",
                    "[\"CMD\", <program>, <arguments>…]",
                ));
            }
        }
        if service.alb_paths.is_empty() {
            // Internal: reached through Cloud Map only.
            if let Some(priority) = service.alb_priority {
                out.push(Problem::new(
                    format!("{path}.alb_priority"),
                    priority,
                    "a service without alb_paths has no listener rule",
                    "no alb_priority, or alb_paths for the rule",
                ));
            }
            continue;
        }
        for (index, pattern) in service.alb_paths.iter().enumerate() {
            if !pattern.starts_with('/') || pattern.len() > 128 {
                out.push(Problem::new(
                    format!("{path}.alb_paths[{index}]"),
                    quoted(pattern),
                    "not an ALB path pattern",
                    "an absolute path of at most 128 characters, `*` and `?` as wildcards",
                ));
            }
        }
        match service.alb_priority {
            None => out.push(Problem::new(
                format!("{path}.alb_priority"),
                "(missing)",
                "a service behind the ALB needs a listener-rule priority",
                "1 to 50000, unique across services",
            )),
            Some(priority) => {
                in_range(
                    out,
                    format!("{path}.alb_priority"),
                    priority,
                    1..=50_000,
                    "listener-rule priority",
                );
                if let Some(other) = priorities.insert(priority, key) {
                    out.push(Problem::new(
                        format!("{path}.alb_priority"),
                        priority,
                        format!("priority is also used by services.{other}"),
                        "a priority no other service uses",
                    ));
                }
            }
        }
    }
}

fn api(s: &Settings, out: &mut Vec<Problem>) {
    for (index, route) in s.api.routes.iter().enumerate() {
        if ApiRoute::parse(route).is_none() {
            out.push(Problem::new(
                format!("api.routes[{index}]"),
                quoted(route),
                "not a route key",
                format!(
                    "`METHOD /path` with METHOD one of {}",
                    ApiRoute::METHODS.join(", ")
                ),
            ));
        }
    }
    no_duplicates(
        out,
        &s.api.routes,
        |i| format!("api.routes[{i}]"),
        |r| r.as_str(),
        "route",
    );
    parameter_names(s, out);
    for (index, route) in s.api.public_routes.iter().enumerate() {
        if !s.api.routes.contains(route) {
            out.push(Problem::new(
                format!("api.public_routes[{index}]"),
                quoted(route),
                "a public route must also be listed in api.routes",
                "one of api.routes",
            ));
        }
    }
    in_range(
        out,
        "api.throttling_rate_limit".into(),
        s.api.throttling_rate_limit,
        1..=10_000,
        "throttling rate",
    );
    if s.api.throttling_burst_limit < s.api.throttling_rate_limit {
        out.push(Problem::new(
            "api.throttling_burst_limit",
            s.api.throttling_burst_limit,
            "the burst is below the steady rate",
            format!(
                "at least api.throttling_rate_limit ({})",
                s.api.throttling_rate_limit
            ),
        ));
    }
}

/// API Gateway treats `/a/{x}` and `/a/{y}/b` as siblings that must name their parameter alike.
fn parameter_names(s: &Settings, out: &mut Vec<Problem>) {
    let mut seen: BTreeMap<String, (&str, usize)> = BTreeMap::new();
    for (index, route) in s.api.routes.iter().enumerate() {
        let Some(route) = ApiRoute::parse(route) else {
            continue;
        };
        let mut prefix = String::new();
        for segment in route.path.split('/').filter(|p| !p.is_empty()) {
            if segment.starts_with('{') {
                let position = format!("{prefix}/{{}}");
                match seen.get(&position) {
                    Some((other, at)) if *other != segment => out.push(Problem::new(
                        format!("api.routes[{index}]"),
                        quoted(route.path),
                        format!("parameter {segment} sits where api.routes[{at}] names {other}"),
                        format!("the same parameter name at {position}"),
                    )),
                    Some(_) => {}
                    None => {
                        seen.insert(position, (segment, index));
                    }
                }
                prefix.push_str("/{}");
            } else {
                prefix.push('/');
                prefix.push_str(segment);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};

    #[test]
    fn every_deployed_service_names_a_build_the_pipeline_knows() {
        let mut s = valid();
        s.services.get_mut("backend-api").expect("backend").build = None;
        s.services.get_mut("mlflow").expect("mlflow").build = Some("service:tradai-trading".into());
        s.services.get_mut("live-trading").expect("live").build = None;
        expect_problem(&s, "services.backend-api.build", "must build the image");
        let bad = expect_problem(
            &s,
            "services.mlflow.build",
            "not a build the pipeline knows",
        );
        assert!(
            bad.allowed.contains("tradai-backtest-runner"),
            "{}",
            bad.allowed
        );
        let problems = crate::validate::testing::problems(&s);
        assert!(
            problems
                .iter()
                .all(|p| p.key != "services.live-trading.build"),
            "a per-strategy service may wait for its binary"
        );
    }

    #[test]
    fn alb_domain_and_policy() {
        let mut s = valid();
        s.alb.domain_name = "API_dev".into();
        s.alb.ssl_policy = "TLS13".into();
        s.alb.idle_timeout_seconds = 0;
        expect_problem(&s, "alb.domain_name", "not a DNS name");
        expect_problem(&s, "alb.ssl_policy", "ELBSecurityPolicy-");
        expect_problem(&s, "alb.idle_timeout_seconds", "1 to 4000");
    }

    #[test]
    fn services_behind_the_alb_need_paths_and_unique_priorities() {
        let mut s = valid();
        let mlflow = s.services.get_mut("mlflow").expect("mlflow");
        mlflow.alb_paths = vec!["/mlflow/*".into()];
        mlflow.alb_priority = Some(10);
        mlflow.memory_reservation_mib = Some(4096);
        mlflow.health_command = Some(vec!["CMD-SHELL".into(), "curl localhost".into()]);
        s.services
            .get_mut("strategy-service")
            .expect("svc")
            .alb_paths = vec![];
        s.services
            .get_mut("backend-api")
            .expect("backend")
            .alb_paths = vec!["api/*".into()];
        s.services.get_mut("live-trading").expect("live").alb_paths = vec!["/live*".into()];
        let clash = expect_problem(&s, "services.mlflow.alb_priority", "also used by");
        assert_eq!(clash.value, "10");
        expect_problem(
            &s,
            "services.strategy-service.alb_priority",
            "has no listener rule",
        );
        expect_problem(
            &s,
            "services.mlflow.memory_reservation_mib",
            "at most the hard limit",
        );
        expect_problem(&s, "services.mlflow.health_command", "exec form");
        expect_problem(
            &s,
            "services.backend-api.alb_paths[0]",
            "not an ALB path pattern",
        );
        expect_problem(&s, "services.live-trading.alb_paths", "only always-on");
    }

    #[test]
    fn api_routes_are_route_keys_and_public_ones_exist() {
        let mut s = valid();
        s.api.routes.push("FETCH /api/v1/x".into());
        s.api.routes.push("GET /api/v1/health".into());
        s.api.public_routes.push("GET /docs".into());
        s.api.throttling_burst_limit = 1;
        s.api.routes.push("DELETE /api/v1/backtests/{id}".into());
        let last = s.api.routes.len() - 2;
        expect_problem(&s, &format!("api.routes[{}]", last + 1), "sits where");
        expect_problem(&s, &format!("api.routes[{}]", last - 1), "METHOD /path");
        expect_problem(&s, &format!("api.routes[{last}]"), "listed twice");
        expect_problem(&s, "api.public_routes[1]", "also be listed");
        expect_problem(&s, "api.throttling_burst_limit", "below the steady rate");
    }
}
