//! Semantic checks over a planned graph: what the stacks deploy is what the code needs. The needs come from
//! the code itself ([`Needs`]: each binary's declared variables, the health command its image runs, the routes
//! of its OpenAPI document, the custom metrics each component emits), so a task definition, function, rule or
//! alarm that drifts from the code is a violation reported like the policy ones (rule, stack, resource, detail,
//! fix).

mod discovery;
mod egress;
mod environment;
mod health;
mod host;
mod identity;
mod images;
mod metrics;
mod permissions;
mod routes;

pub use permissions::{role_name, RolePolicies};
pub use routes::glob as alb_path_matches;
mod throttling;

use std::collections::BTreeMap;

use serde_json::Value;
use tradai_config::metrics::Metric;
use tradai_config::Declared;

use crate::policy::Violation;
use crate::Planned;

/// What one container of the SERVICES table runs.
#[derive(Debug, Clone, Default)]
pub struct Binary {
    /// The binary's name, for messages (e.g. `tradai-backend`).
    pub name: String,
    /// Every variable it reads.
    pub variables: Vec<Declared>,
    /// The container health check its image can run (exec form, `CMD` first); `None`: the image is not ours.
    pub health: Option<Vec<String>>,
    /// The routes it serves (`GET /api/v1/backtests/{id}`), from its OpenAPI document.
    pub routes: Vec<String>,
}

/// What the code needs from a deployment.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    /// By service key (`backend-api`, `strategy-container`, …).
    pub containers: BTreeMap<String, Binary>,
    /// The variables each Lambda function reads, by function key.
    pub functions: BTreeMap<String, Vec<Declared>>,
    /// The routes a service forwards to another one (the backend forwards `GET /api/v1/strategies` to the
    /// strategy service), by the forwarding service's key: they are reachable where that service is.
    pub forwarded: BTreeMap<String, Vec<String>>,
    /// The most requests one client makes while waiting on a job within a window of that many seconds (the
    /// CLI's polling); the per-caller rate limit must allow two such waits.
    pub waiting_requests: Option<fn(u64) -> u64>,
    /// The DNS record types our service-to-service clients resolve a Cloud Map name by (`A`, `SRV`).
    pub resolves: Vec<String>,
    /// The architecture (`linux/amd64`, `linux/arm64`) the pipeline builds each repository's image for
    /// (`tradai infra images`), by repository.
    pub images: BTreeMap<String, String>,
    /// The AWS adapters each compute runs and the resources it binds them to, by function key or service key
    /// (`tradai_config::access`).
    pub access: BTreeMap<String, Vec<tradai_config::access::Use>>,
    /// The region of the deployment (the ARNs the roles must allow).
    pub region: String,
    /// The custom metrics each component emits, with their dimensions, by function key (`health-check`) or
    /// service key: what the `TradAI` alarms and dashboard graphs may watch.
    pub emitted: BTreeMap<String, Vec<Metric>>,
    /// What the services' authorisation assumes of the user pool (`None`: not checked).
    pub identity: Option<Identity>,
}

/// What the services' authorisation assumes of the user pool.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Whether the config allows self sign-up.
    pub self_sign_up: bool,
    /// The roles (group names) the services grant permissions to.
    pub roles: Vec<String>,
    /// The scopes each function calling the API as a machine requests, by function key.
    pub machine_scopes: BTreeMap<String, Vec<String>>,
}

/// Every semantic violation of `graph` (all four layers) against `needs`.
pub fn check(graph: &[Planned], needs: &Needs) -> Vec<Violation> {
    let mut out = Vec::new();
    environment::check(graph, needs, &mut out);
    health::check(graph, needs, &mut out);
    routes::check(graph, needs, &mut out);
    host::check(graph, &mut out);
    discovery::check(graph, needs, &mut out);
    egress::check(graph, &mut out);
    throttling::check(graph, needs, &mut out);
    metrics::check(graph, needs, &mut out);
    permissions::check(graph, needs, &mut out);
    images::check(graph, needs, &mut out);
    identity::check(graph, needs, &mut out);
    out
}

/// How to repair a violation of a semantic `rule`.
pub fn fix(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "env-complete" => {
            "set the variable on the task definition or function (stacks/compute), with a value of the shape \
             the binary declares (tradai infra variables lists them)"
        }
        "health-runnable" => {
            "use the exec-form health check the image runs (the binary's --health-check), never CMD-SHELL on a \
             distroless image"
        }
        "route-reachable" => {
            "give the route an ALB rule (services.<key>.alb_paths) that reaches the service serving it, or an \
             API route (api.routes)"
        }
        "public-surface" => {
            "keep unauthenticated services off the public ALB: reach them through Cloud Map inside the VPC"
        }
        "rate-limit-key" => {
            "limit authenticated requests per caller (a custom key on the authorization header) and scope the \
             per-IP limit to requests without a token: behind the VPC link every source IP is the link's"
        }
        "discovery-addressing" => {
            "address services as http://<key>.<namespace>:<container port> from compute in the VPC, and register \
             them with records the clients resolve (tradai_discovery::RESOLVED_RECORDS)"
        }
        "private-egress" => {
            "give the private route table a 0.0.0.0/0 route from the first deploy (a NAT gateway route, or the \
             NAT-instance route function invoked on deploy with an initial launching hook on its group), or a \
             VPC endpoint (network.interface_endpoints / gateway_endpoints) for every API listed"
        }
        "metrics-emitted" => {
            "alarm or graph a TradAI metric with the dimensions its emitter declares (tradai_config::metrics), or \
             emit it where the value is computed (the handler's EMITS and a metrics::Point)"
        }
        "image-built" => {
            "give the service a build (services.<key>.build, a Dockerfile target and binary) so the pipeline \
             builds and pushes its image, or declare the architecture the pipeline builds for"
        }
        "permissions" => {
            "grant the compute's role every action its adapters declare (tradai_config::access) on the resources \
             it binds them to, and name resources instead of * for mutating actions"
        }
        "identity" => {
            "create users as an administrator (cognito.self_sign_up = false plans allowAdminCreateUserOnly), give \
             the pool a group per cognito.groups role, and let a machine client request exactly the scopes its \
             functions declare (cognito.m2m_scopes)"
        }
        "host-memory" => {
            "lower the memory reservations of the host's services or choose a larger compute.host_instance_type"
        }
        _ => return None,
    })
}

/// A violation of `rule` at `resource`.
fn violation(rule: &'static str, resource: &Planned, detail: String) -> Violation {
    Violation {
        rule,
        stack: resource.stack.clone(),
        resource: resource.name.clone(),
        detail,
    }
}

/// The container definitions of a task definition (its JSON document).
fn containers(task: &Planned) -> Vec<Value> {
    task.inputs["containerDefinitions"]
        .as_str()
        .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
        .unwrap_or_default()
}

/// The `environment` value of `name` in a container definition.
fn container_env<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    container["environment"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)?["value"]
        .as_str()
}

#[cfg(test)]
pub(crate) mod testing {
    use serde_json::{json, Value};

    use crate::Planned;

    pub fn planned(type_: &str, name: &str, inputs: Value) -> Planned {
        Planned {
            stack: "compute-dev".into(),
            type_: type_.into(),
            name: name.into(),
            inputs,
        }
    }

    /// A task definition with one container.
    pub fn task(name: &str, container: Value) -> Planned {
        planned(
            "aws:ecs/taskDefinition:TaskDefinition",
            name,
            json!({"family": name, "containerDefinitions": json!([container]).to_string()}),
        )
    }
}
