//! The always-on compute of the planned graph as the twin runs it: each `aws:ecs/service:Service` with its task
//! definition's container (image, command, environment, secrets, port, health check) and the Cloud Map record
//! its tasks register in. Everything here is read from the graph; which binary an image holds comes from the
//! image plan the pipeline builds from (`tradai_config::images`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::graph::{Graph, InputError, Resource};

const ECS_SERVICE: &str = "aws:ecs/service:Service";
const TASK_DEFINITION: &str = "aws:ecs/taskDefinition:TaskDefinition";
const DISCOVERY_SERVICE: &str = "aws:servicediscovery/service:Service";
const NAMESPACE: &str = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace";

/// A container health check as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// The exec form without its `CMD` marker.
    pub command: Vec<String>,
    pub interval_s: u64,
    pub timeout_s: u64,
    pub retries: u64,
    pub start_period_s: u64,
}

/// A Cloud Map name a service's tasks register under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// `<service>.<namespace>`, e.g. `backend-api.tradai.local`.
    pub name: String,
    /// The planned record types (`SRV`, `A`).
    pub records: Vec<String>,
    pub port: u16,
}

/// One always-on ECS service as planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The ECS service name.
    pub name: String,
    pub desired: u64,
    /// The container the service's load balancer and registry name.
    pub container: String,
    /// The image's repository key (`backend`).
    pub repository: String,
    /// The entry point and command, when the task definition sets them (else the image's).
    pub command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Secret variables: name → `valueFrom`.
    pub secrets: BTreeMap<String, String>,
    pub port: Option<u16>,
    pub health: Option<HealthCheck>,
    pub registration: Option<Registration>,
    /// The load balancer target groups the service's tasks register in (by ARN).
    pub target_groups: Vec<String>,
    /// The task role's name: the principal of the task's AWS calls.
    pub role: Option<String>,
}

fn find<'a>(graph: &'a Graph, ty: &'a str, arn: &str) -> Option<Resource<'a>> {
    graph
        .of_type(ty)
        .find(|r| tradai_stack_testing::is_arn_of(arn, r.0))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn count(v: &Value) -> Option<u64> {
    v.as_f64().filter(|n| *n >= 0.0).map(|n| n as u64)
}

/// The planned ECS services, each with its task definition's container.
pub fn services(graph: &Graph) -> Result<Vec<Service>, InputError> {
    let mut out = Vec::new();
    for r in graph.of_type(ECS_SERVICE) {
        let arn = r.text("taskDefinition")?;
        let task = find(graph, TASK_DEFINITION, arn).ok_or_else(|| {
            r.error(
                "taskDefinition",
                format!("is {arn}: no planned task definition has that ARN"),
            )
        })?;
        let registry = r.get("serviceRegistries");
        let balancer = r.list("loadBalancers")?.first();
        let named = registry
            .or(balancer)
            .and_then(|b| b.get("containerName"))
            .and_then(Value::as_str);
        let definitions: Value = serde_json::from_str(task.text("containerDefinitions")?)
            .map_err(|e| task.error("containerDefinitions", format!("is not JSON: {e}")))?;
        let containers = definitions
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let container = containers
            .iter()
            .find(|c| named.is_none() || c["name"].as_str() == named)
            .ok_or_else(|| {
                task.error(
                    "containerDefinitions",
                    format!("has no container {named:?}"),
                )
            })?;
        let registered = match registry {
            Some(g) => registration(graph, r, g)?,
            None => None,
        };
        let name = r.text("name")?.to_owned();
        let desired = r.optional_count("desiredCount")?.unwrap_or(0);
        let mut planned = service(name, desired, task, container, registered)?;
        planned.target_groups = r
            .list("loadBalancers")?
            .iter()
            .filter_map(|b| b["targetGroupArn"].as_str().map(str::to_owned))
            .collect();
        out.push(planned);
    }
    Ok(out)
}

/// The first container of the task definition `reference` (its ARN or family), as a task that
/// `ecs:runTask` starts.
pub fn task(graph: &Graph, reference: &str) -> Result<Service, String> {
    fn family<'a>(r: &Resource<'a>) -> Option<&'a str> {
        r.optional_text("family").ok().flatten()
    }
    let task = graph
        .of_type(TASK_DEFINITION)
        .find(|r| {
            tradai_stack_testing::is_arn_of(reference, r.0)
                || family(r).is_some_and(|f| {
                    reference == f || reference.split(['/', ':']).any(|part| part == f)
                })
        })
        .ok_or_else(|| format!("no planned task definition is {reference}"))?;
    let definitions: Value = serde_json::from_str(
        task.text("containerDefinitions")
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("{reference}: containerDefinitions is not JSON: {e}"))?;
    let container = definitions
        .get(0)
        .ok_or_else(|| format!("{reference}: the task definition has no container"))?;
    let name = family(&task).unwrap_or(task.name()).to_owned();
    service(name, 1, task, container, None).map_err(|e| e.to_string())
}

fn service(
    name: String,
    desired: u64,
    task: Resource<'_>,
    c: &Value,
    registration: Option<Registration>,
) -> Result<Service, InputError> {
    let image = c["image"].as_str().unwrap_or_default();
    // `<registry>/<project>/<env>/<repository>:<tag>`
    let repository = image
        .rsplit('/')
        .next()
        .and_then(|last| last.split(':').next())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            task.error(
                "containerDefinitions[].image",
                format!("is {image:?}: expected <registry>/<path>/<repository>:<tag>"),
            )
        })?;
    let pairs = |field: &str, value: &str| -> BTreeMap<String, String> {
        c[field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some((
                    e["name"].as_str()?.to_owned(),
                    e[value].as_str()?.to_owned(),
                ))
            })
            .collect()
    };
    let mut command = strings(&c["entryPoint"]);
    command.extend(strings(&c["command"]));
    let health = c.get("healthCheck").filter(|h| !h.is_null()).map(|h| {
        let mut command = strings(&h["command"]);
        if command.first().map(String::as_str) == Some("CMD") {
            command.remove(0);
        }
        HealthCheck {
            command,
            interval_s: count(&h["interval"]).unwrap_or(30),
            timeout_s: count(&h["timeout"]).unwrap_or(5),
            retries: count(&h["retries"]).unwrap_or(3),
            start_period_s: count(&h["startPeriod"]).unwrap_or(0),
        }
    });
    let port = c["portMappings"]
        .as_array()
        .and_then(|m| m.first())
        .and_then(|m| count(&m["containerPort"]))
        .and_then(|p| u16::try_from(p).ok());
    Ok(Service {
        name,
        desired,
        container: c["name"].as_str().unwrap_or_default().to_owned(),
        repository: repository.to_owned(),
        command,
        environment: pairs("environment", "value"),
        secrets: pairs("secrets", "valueFrom"),
        port,
        health,
        registration,
        target_groups: Vec::new(),
        role: task
            .optional_text("taskRoleArn")?
            .map(|arn| tradai_stack_testing::semantics::role_name(arn).to_owned()),
    })
}

/// The Cloud Map name and records of the registry an ECS service registers in.
fn registration(
    graph: &Graph,
    r: Resource<'_>,
    registry: &Value,
) -> Result<Option<Registration>, InputError> {
    let Some(arn) = registry.get("registryArn").and_then(Value::as_str) else {
        return Ok(None);
    };
    let discovery = find(graph, DISCOVERY_SERVICE, arn).ok_or_else(|| {
        r.error(
            "serviceRegistries.registryArn",
            format!("is {arn}: no planned Cloud Map service has that ARN"),
        )
    })?;
    let dns = discovery.get("dnsConfig").ok_or_else(|| {
        discovery.error("dnsConfig", "is missing: a private DNS service needs one")
    })?;
    let namespace_id = dns["namespaceId"].as_str().unwrap_or_default();
    let namespace = graph
        .of_type(NAMESPACE)
        .find(|n| n.planned_id() == namespace_id)
        .ok_or_else(|| {
            discovery.error(
                "dnsConfig.namespaceId",
                format!("is {namespace_id:?}: no planned namespace has that id"),
            )
        })?;
    let records = dns["dnsRecords"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["type"].as_str().map(str::to_owned))
        .collect();
    let port = registry
        .get("containerPort")
        .and_then(count)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| {
            r.error(
                "serviceRegistries.containerPort",
                "is missing: the SRV record's port",
            )
        })?;
    Ok(Some(Registration {
        name: format!("{}.{}", discovery.text("name")?, namespace.text("name")?),
        records,
        port,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use super::super::graph::planned;
    use super::*;

    #[test]
    fn a_planned_service_is_read_with_its_container_and_record() {
        let containers = json!([{"name": "api", "image": "1.dkr.ecr.r.amazonaws.com/tradai/dev/backend:latest",
            "environment": [{"name": "ENVIRONMENT", "value": "dev"}],
            "secrets": [{"name": "KEY", "valueFrom": "arn:aws:secretsmanager:r:1:secret:k"}],
            "portMappings": [{"containerPort": 8000}],
            "healthCheck": {"command": ["CMD", "/usr/local/bin/app", "--health-check"], "interval": 30, "retries": 3}}]);
        let graph = Graph::new(vec![
            planned(NAMESPACE, "ns", json!({"name": "tradai.local"})),
            planned(
                DISCOVERY_SERVICE,
                "d",
                json!({"name": "backend-api",
                "dnsConfig": {"namespaceId": tradai_stack_testing::fake_id(NAMESPACE, "ns"), "dnsRecords": [{"type": "SRV"}]}}),
            ),
            planned(
                TASK_DEFINITION,
                "t",
                json!({"containerDefinitions": containers.to_string()}),
            ),
            planned(
                ECS_SERVICE,
                "s",
                json!({"name": "tradai-backend-dev", "desiredCount": 1.0,
                "taskDefinition": "arn:aws:ecs:eu-central-1:123456789012:taskdefinition/t",
                "serviceRegistries": {"containerName": "api", "containerPort": 8000.0,
                    "registryArn": "arn:aws:servicediscovery:eu-central-1:123456789012:service/d"}}),
            ),
        ]);
        let read = services(&graph).expect("services");
        let s = &read[0];
        assert_eq!(
            (s.repository.as_str(), s.port, s.desired),
            ("backend", Some(8000), 1)
        );
        assert_eq!(s.environment["ENVIRONMENT"], "dev");
        assert_eq!(s.secrets["KEY"], "arn:aws:secretsmanager:r:1:secret:k");
        assert_eq!(
            s.health.as_ref().map(|h| h.command.clone()),
            Some(vec!["/usr/local/bin/app".into(), "--health-check".into()])
        );
        let registration = s.registration.as_ref().expect("registered");
        assert_eq!(registration.name, "backend-api.tradai.local");
        assert_eq!(registration.records, vec!["SRV".to_owned()]);

        let orphan = Graph::new(vec![planned(
            ECS_SERVICE,
            "s",
            json!({"name": "x",
            "taskDefinition": "arn:aws:ecs:eu-central-1:123456789012:taskdefinition/none"}),
        )]);
        assert_eq!(
            services(&orphan).expect_err("no task").to_string(),
            "aws:ecs/service:Service s: input `taskDefinition` is arn:aws:ecs:eu-central-1:123456789012:taskdefinition/none: no planned task definition has that ARN"
        );
    }
}
