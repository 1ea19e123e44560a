//! What the code needs from a deployment, read from the code itself for `tradai infra check`'s semantic rules:
//! each binary's declared variables, the health check its image runs, the routes of its OpenAPI document and
//! the routes the backend forwards, each Lambda function's variables and the custom metrics it emits.

use std::collections::BTreeMap;

use serde_json::Value;
use tradai_config::access::{self, Use};
use tradai_config::{Config, Function};
use tradai_stack_testing::semantics::{Binary, Needs};

/// `METHOD path` of every operation of an OpenAPI document.
fn routes(document: &impl serde::Serialize) -> Vec<String> {
    let document = serde_json::to_value(document).unwrap_or(Value::Null);
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                out.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    out
}

/// The AWS adapters each container runs (`Ports::aws`, and the backend's default executor); the runner uses
/// only the record stores and object stores of its ports.
fn service_access(config: &Config) -> BTreeMap<String, Vec<Use>> {
    use tradai_platform::access::{executor, ports};
    let mut backend = ports(config, None);
    backend.extend(executor(config, tradai_platform::ExecutorKind::Sqs));
    let runner: Vec<Use> = ports(config, None)
        .into_iter()
        .filter(|u| {
            u.access.adapter == access::RECORD_STORE.adapter
                || u.access.adapter == access::OBJECT_STORE.adapter
        })
        .collect();
    [
        ("backend-api", backend),
        ("strategy-service", ports(config, None)),
        ("data-collection", ports(config, None)),
        ("strategy-container", runner),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The needs of every container and function of `config`.
pub fn needs(config: &Config) -> Needs {
    let mut needs = Needs::default();
    let services = [
        (
            "backend-api",
            "tradai-backend",
            tradai_backend::settings::variables(),
            routes(&tradai_backend::openapi()),
        ),
        (
            "strategy-service",
            "tradai-strategy",
            tradai_strategy::settings::variables(),
            routes(&tradai_strategy::openapi()),
        ),
        (
            "data-collection",
            "tradai-data-collection",
            tradai_data_collection::settings::variables(),
            routes(&tradai_data_collection::openapi()),
        ),
    ];
    for (key, name, variables, routes) in services {
        let binary = Binary {
            name: name.to_owned(),
            variables,
            health: Some(tradai_service_kit::probe::health_command()),
            routes,
        };
        needs.containers.insert(key.to_owned(), binary);
    }
    needs.containers.insert(
        "strategy-container".into(),
        Binary {
            name: "tradai-backtest-runner".into(),
            variables: tradai_backtest_runner::settings::variables(),
            ..Binary::default()
        },
    );
    needs.forwarded.insert(
        "backend-api".into(),
        tradai_backend::FORWARDED.map(str::to_owned).to_vec(),
    );
    needs.waiting_requests = Some(super::polling::requests_within);
    needs.resolves = tradai_discovery::RESOLVED_RECORDS
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    needs.region = config.settings().aws.region.clone();
    needs.access = service_access(config);
    for function in Function::ALL {
        needs.access.insert(
            function.key().to_owned(),
            tradai_lambdas::access::uses(function, config),
        );
        needs.functions.insert(
            function.key().to_owned(),
            tradai_lambdas::settings::variables(function, config),
        );
        let emits = tradai_lambdas::metrics::emits(function);
        if !emits.is_empty() {
            needs
                .emitted
                .insert(function.key().to_owned(), emits.to_vec());
        }
    }
    needs
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};

    use super::*;

    #[test]
    fn the_needs_come_from_the_binaries() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let needs = needs(&config);
        let backend = &needs.containers["backend-api"];
        assert!(backend
            .routes
            .contains(&"POST /api/v1/backtests".to_owned()));
        assert!(backend
            .variables
            .iter()
            .any(|v| v.name == "SERVICE_ADAPTERS"
                && v.deployed == tradai_config::Deployed::Exactly("aws")));
        assert_eq!(needs.functions.len(), Function::ALL.len());
        assert_eq!(
            needs.emitted["health-check"],
            [
                tradai_config::metrics::SERVICE_HEALTHY,
                tradai_config::metrics::HEALTH_CHECK_LATENCY
            ]
        );
        assert!(
            needs.forwarded["backend-api"].contains(&"POST /api/v1/strategies/validate".to_owned())
        );
    }
}
