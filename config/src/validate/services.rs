//! Rules on the SERVICES table, the compute mode and the ECR repositories.

use std::collections::BTreeMap;

use super::{in_range, no_duplicates, quoted};
use crate::fargate;
use crate::problem::Problem;
use crate::{ServiceKind, Settings};

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    let mut ports: BTreeMap<u16, String> = BTreeMap::new();
    ports.insert(s.database.port, "database.port".to_owned());
    for (key, service) in &s.services {
        let path = format!("services.{key}");
        if !fargate::is_valid_pair(service.cpu, service.memory_mib) {
            out.push(Problem::new(
                format!("{path}.memory_mib"),
                format!("{} (cpu {})", service.memory_mib, service.cpu),
                "cpu/memory is not a Fargate combination",
                fargate::allowed_for(service.cpu),
            ));
        }
        match service.port {
            Some(0) => out.push(Problem::new(
                format!("{path}.port"),
                0,
                "port 0 cannot be listened on",
                "1 to 65535",
            )),
            Some(port) => {
                if let Some(other) = ports.get(&port) {
                    out.push(Problem::new(
                        format!("{path}.port"),
                        port,
                        format!("port is also used by {other}"),
                        "a port no other service or the database uses",
                    ));
                } else {
                    ports.insert(port, format!("{path}.port"));
                }
            }
            None if service.kind != ServiceKind::OnDemand => {
                out.push(Problem::new(
                    format!("{path}.port"),
                    "(missing)",
                    "services that run as ECS services need a port",
                    "a port from 1 to 65535",
                ));
            }
            None => {}
        }
        match (&service.health_path, service.port) {
            (Some(health), _) if !health.starts_with('/') => {
                out.push(Problem::new(
                    format!("{path}.health_path"),
                    quoted(health),
                    "health path must be absolute",
                    "a path starting with /, e.g. /api/v1/health",
                ));
            }
            (Some(health), None) => {
                out.push(Problem::new(
                    format!("{path}.health_path"),
                    quoted(health),
                    "a service without a port cannot be health-checked over HTTP",
                    "no health_path, or set port",
                ));
            }
            (None, Some(_)) => {
                out.push(Problem::new(
                    format!("{path}.health_path"),
                    "(missing)",
                    "a service with a port needs a health path for the ALB",
                    "a path starting with /",
                ));
            }
            _ => {}
        }
        if service.kind != ServiceKind::AlwaysOn && service.desired_count != 0 {
            out.push(Problem::new(
                format!("{path}.desired_count"),
                service.desired_count,
                "on-demand and per-strategy containers are started per job or strategy",
                "0",
            ));
        }
        in_range(
            out,
            format!("{path}.desired_count"),
            service.desired_count,
            0..=20,
            "desired count",
        );
        if let Some(repo) = &service.ecr_repository {
            if !s.ecr.service_repositories.contains(repo) {
                out.push(Problem::new(
                    format!("{path}.ecr_repository"),
                    quoted(repo),
                    "not one of ecr.service_repositories",
                    s.ecr.service_repositories.join(", "),
                ));
            }
        } else if service.kind != ServiceKind::OnDemand {
            out.push(Problem::new(
                format!("{path}.ecr_repository"),
                "(missing)",
                "ECS services need an image repository",
                s.ecr.service_repositories.join(", "),
            ));
        }
    }
    no_duplicates(
        out,
        &s.ecr.service_repositories,
        |i| format!("ecr.service_repositories[{i}]"),
        String::as_str,
        "repository",
    );
    in_range(
        out,
        "ecr.image_retention_count".into(),
        s.ecr.image_retention_count,
        1..=1000,
        "image retention count",
    );
    if !super::network::is_instance_type(&s.compute.consolidated_instance_type) {
        out.push(Problem::new(
            "compute.consolidated_instance_type",
            quoted(&s.compute.consolidated_instance_type),
            "not an EC2 instance type",
            "<family>.<size>, e.g. t3.small",
        ));
    }
    let namespace = &s.compute.service_discovery_namespace;
    let dns_ok = namespace.contains('.')
        && namespace
            .split('.')
            .all(|l| super::is_component(l) && l.len() <= 63);
    if !dns_ok {
        out.push(Problem::new(
            "compute.service_discovery_namespace",
            quoted(namespace),
            "not a private DNS name",
            "dot-separated lower-case labels, e.g. tradai.local",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};
    use crate::ServiceKind;

    #[test]
    fn rejects_a_cpu_memory_pair_fargate_does_not_run() {
        let mut s = valid();
        s.services.get_mut("backend-api").expect("svc").memory_mib = 1536;
        let p = expect_problem(
            &s,
            "services.backend-api.memory_mib",
            "not a Fargate combination",
        );
        assert_eq!(p.value, "1536 (cpu 512)");
        assert_eq!(p.allowed, "memory for cpu 512: 1024, 2048, 3072, 4096");
    }

    #[test]
    fn rejects_a_duplicate_port_naming_the_first_user() {
        let mut s = valid();
        s.services.get_mut("strategy-service").expect("svc").port = Some(8000);
        expect_problem(
            &s,
            "services.strategy-service.port",
            "port is also used by services.backend-api.port",
        );
        s.services.get_mut("mlflow").expect("svc").port = Some(5432);
        expect_problem(
            &s,
            "services.mlflow.port",
            "port is also used by database.port",
        );
    }

    #[test]
    fn rejects_health_paths_that_are_relative_missing_or_without_port() {
        let mut s = valid();
        s.services.get_mut("mlflow").expect("svc").health_path = Some("mlflow".into());
        s.services
            .get_mut("data-collection")
            .expect("svc")
            .health_path = None;
        s.services
            .get_mut("strategy-container")
            .expect("svc")
            .health_path = Some("/x".into());
        expect_problem(&s, "services.mlflow.health_path", "must be absolute");
        expect_problem(
            &s,
            "services.data-collection.health_path",
            "needs a health path",
        );
        expect_problem(
            &s,
            "services.strategy-container.health_path",
            "cannot be health-checked",
        );
    }

    #[test]
    fn rejects_running_copies_of_on_demand_containers_and_unknown_repositories() {
        let mut s = valid();
        s.services
            .get_mut("live-trading")
            .expect("svc")
            .desired_count = 1;
        s.services.get_mut("mlflow").expect("svc").ecr_repository = Some("ml-flow".into());
        expect_problem(
            &s,
            "services.live-trading.desired_count",
            "started per job or strategy",
        );
        expect_problem(
            &s,
            "services.mlflow.ecr_repository",
            "not one of ecr.service_repositories",
        );
    }

    #[test]
    fn rejects_ecs_services_without_port_or_repository() {
        let mut s = valid();
        let svc = s.services.get_mut("dry-run-trading").expect("svc");
        svc.port = None;
        svc.health_path = None;
        svc.ecr_repository = None;
        assert_eq!(svc.kind, ServiceKind::PerStrategy);
        expect_problem(&s, "services.dry-run-trading.port", "need a port");
        expect_problem(
            &s,
            "services.dry-run-trading.ecr_repository",
            "need an image repository",
        );
    }

    #[test]
    fn rejects_bad_compute_and_registry_settings() {
        let mut s = valid();
        s.compute.consolidated_instance_type = "small".into();
        s.compute.service_discovery_namespace = "Tradai".into();
        s.ecr.image_retention_count = 0;
        s.ecr.service_repositories.push("backend".into());
        expect_problem(
            &s,
            "compute.consolidated_instance_type",
            "not an EC2 instance type",
        );
        expect_problem(
            &s,
            "compute.service_discovery_namespace",
            "not a private DNS name",
        );
        expect_problem(&s, "ecr.image_retention_count", "1 to 1000");
        expect_problem(&s, "ecr.service_repositories[7]", "listed twice");
    }
}
