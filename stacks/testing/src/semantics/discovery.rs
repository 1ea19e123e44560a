//! `discovery-addressing`: every URL of ours that a container or function is given (`http://<service>.<namespace>
//! :<port>`) names a Cloud Map service of the graph whose records the clients resolve (A, or SRV in host
//! networking: [`Needs::resolves`]), on a port the service's container listens on, from compute that can resolve
//! the private namespace (a function outside the VPC cannot).

use super::{containers, violation, Needs};
use crate::fakes::is_arn_of;
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

const RULE: &str = "discovery-addressing";

/// A Cloud Map service: its name and record types, and the ports of the containers registered under it.
struct Registered<'a> {
    resource: &'a Planned,
    records: Vec<String>,
    ports: Vec<u64>,
}

/// `(host, port)` of an `http(s)://host[:port][/…]` value.
fn host_and_port(value: &str) -> Option<(&str, u64)> {
    let (default, rest) = if let Some(rest) = value.strip_prefix("http://") {
        (80, rest)
    } else {
        (443, value.strip_prefix("https://")?)
    };
    let authority = rest.split('/').next()?;
    Some(match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (authority, default),
    })
}

/// The container ports of the task definition `arn` (only `container`'s when one is named).
fn task_ports(graph: &[Planned], arn: &str, container: Option<&str>) -> Vec<u64> {
    of_type(graph, "aws:ecs/taskDefinition:TaskDefinition")
        .filter(|t| is_arn_of(arn, t))
        .flat_map(containers)
        .filter(|c| container.is_none_or(|name| c["name"] == name))
        .flat_map(|c| c["portMappings"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m["containerPort"].as_u64())
        .collect()
}

/// Every Cloud Map service by its name, with the ports of the ECS service registered under it.
fn registered(graph: &[Planned]) -> Vec<(String, Registered<'_>)> {
    of_type(graph, "aws:servicediscovery/service:Service")
        .map(|resource| {
            let records = resource.inputs["dnsConfig"]["dnsRecords"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["type"].as_str().map(str::to_owned))
                .collect();
            let mut ports = Vec::new();
            for service in of_type(graph, "aws:ecs/service:Service") {
                let registries = service.inputs["serviceRegistries"].clone();
                if !registries["registryArn"]
                    .as_str()
                    .is_some_and(|arn| is_arn_of(arn, resource))
                {
                    continue;
                }
                let task = service.inputs["taskDefinition"]
                    .as_str()
                    .unwrap_or_default();
                match registries["containerPort"].as_u64() {
                    Some(port) => ports.push(port),
                    None => ports.extend(task_ports(graph, task, None)),
                }
            }
            let name = resource.inputs["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (
                name,
                Registered {
                    resource,
                    records,
                    ports,
                },
            )
        })
        .collect()
}

/// Every variable value of every container and function, with the resource it belongs to and whether that
/// compute runs in the VPC.
fn addressed(graph: &[Planned]) -> Vec<(&Planned, bool, String, String)> {
    let mut out = Vec::new();
    for task in of_type(graph, "aws:ecs/taskDefinition:TaskDefinition") {
        for container in containers(task) {
            for e in container["environment"].as_array().into_iter().flatten() {
                if let (Some(name), Some(value)) = (e["name"].as_str(), e["value"].as_str()) {
                    out.push((task, true, name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    for function in of_type(graph, "aws:lambda/function:Function") {
        let in_vpc = function.inputs["vpcConfig"]["subnetIds"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        let variables = function.inputs["environment"]["variables"].as_object();
        for (name, value) in variables.into_iter().flatten() {
            if let Some(value) = value.as_str() {
                out.push((function, in_vpc, name.clone(), value.to_owned()));
            }
        }
    }
    out
}

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let namespaces: Vec<String> = of_type(
        graph,
        "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
    )
    .filter_map(|n| n.inputs["name"].as_str().map(|n| format!(".{n}")))
    .collect();
    let registered = registered(graph);
    for (resource, in_vpc, variable, value) in addressed(graph) {
        let Some((host, port)) = host_and_port(&value) else {
            continue;
        };
        let Some(namespace) = namespaces.iter().find(|n| host.ends_with(n.as_str())) else {
            continue;
        };
        let key = &host[..host.len() - namespace.len()];
        let mut fail = |detail: String| {
            out.push(violation(
                RULE,
                resource,
                format!("{variable}={value}: {detail}"),
            ));
        };
        if !in_vpc {
            fail(format!(
                "the function runs outside the VPC, where the private namespace {} does not resolve",
                &namespace[1..]
            ));
        }
        let Some((_, service)) = registered.iter().find(|(name, _)| name == key) else {
            fail(format!("no Cloud Map service named {key} is registered"));
            continue;
        };
        if !service.records.iter().any(|r| needs.resolves.contains(r)) {
            fail(format!(
                "{} registers {} records, and our clients resolve {}",
                service.resource.name,
                service.records.join(", "),
                needs.resolves.join(" then ")
            ));
        }
        if !service.ports.contains(&port) {
            fail(format!(
                "port {port} is not a port the service registered as {key} listens on ({:?})",
                service.ports
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{planned, task};
    use super::*;

    const REGISTRY: &str =
        "arn:aws:servicediscovery:eu-central-1:123456789012:service/dc-discovery";
    const TASK: &str = "arn:aws:ecs:eu-central-1:123456789012:taskdefinition/dc-task";

    /// A namespace, data-collection registered with `records` from a host-mode service on port 8002, and a
    /// backend task addressing it at `url`.
    fn graph(records: &[&str], url: &str) -> Vec<Planned> {
        let dns: Vec<_> = records
            .iter()
            .map(|t| json!({"type": t, "ttl": 10}))
            .collect();
        vec![
            planned(
                "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
                "namespace",
                json!({"name": "tradai.local"}),
            ),
            planned(
                "aws:servicediscovery/service:Service",
                "dc-discovery",
                json!({"name": "data-collection", "dnsConfig": {"dnsRecords": dns}}),
            ),
            task(
                "dc-task",
                json!({"name": "data-collection", "portMappings": [{"containerPort": 8002}]}),
            ),
            planned(
                "aws:ecs/service:Service",
                "dc-service",
                json!({"taskDefinition": TASK, "serviceRegistries": {"registryArn": REGISTRY}}),
            ),
            task(
                "backend-task",
                json!({"name": "backend-api", "environment": [{"name": "DATA_COLLECTION_URL", "value": url}]}),
            ),
        ]
    }

    fn violations(graph: &[Planned], resolves: &[&str]) -> Vec<String> {
        let needs = Needs {
            resolves: resolves.iter().map(|r| (*r).to_owned()).collect(),
            ..Needs::default()
        };
        let mut out = Vec::new();
        check(graph, &needs, &mut out);
        out.into_iter()
            .map(|v| format!("{}: {}", v.resource, v.detail))
            .collect()
    }

    #[test]
    fn srv_records_are_reached_by_clients_that_resolve_them() {
        let url = "http://data-collection.tradai.local:8002";
        assert!(violations(&graph(&["SRV"], url), &["A", "SRV"]).is_empty());
        assert!(violations(&graph(&["A"], url), &["A"]).is_empty());
        let found = violations(&graph(&["SRV"], url), &["A"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("dc-discovery registers SRV records, and our clients resolve A"),
            "{found:?}"
        );
    }

    #[test]
    fn a_wrong_port_or_an_unregistered_name_is_reported() {
        let found = violations(
            &graph(&["A"], "http://data-collection.tradai.local:9000/x"),
            &["A"],
        );
        assert!(found[0].contains("port 9000 is not a port"), "{found:?}");
        let found = violations(&graph(&["A"], "http://mlflow.tradai.local:5000"), &["A"]);
        assert!(
            found[0].contains("no Cloud Map service named mlflow"),
            "{found:?}"
        );
        // Values outside the namespace are not service addresses.
        assert!(violations(&graph(&["A"], "https://example.com"), &["A"]).is_empty());
    }

    #[test]
    fn a_function_outside_the_vpc_cannot_resolve_the_namespace() {
        let mut graph = graph(&["A"], "http://data-collection.tradai.local:8002");
        let variables = json!({"DATA_COLLECTION_URL": "http://data-collection.tradai.local:8002"});
        graph.push(planned(
            "aws:lambda/function:Function",
            "proxy",
            json!({"environment": {"variables": variables}}),
        ));
        let found = violations(&graph, &["A"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("proxy: "), "{found:?}");
        assert!(found[0].contains("outside the VPC"), "{found:?}");
    }
}
