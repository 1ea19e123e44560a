//! What the code needs from a deployment, read from the code itself for `tradai infra check`'s semantic rules:
//! each binary's declared variables, the health check its image runs, the routes of its OpenAPI document and
//! the routes the backend forwards, each Lambda function's variables and the custom metrics it emits.

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

/// The workspace binary a service's image holds (`services.<key>.build = "service:<binary>"`).
fn binary_of(spec: &tradai_config::ServiceSpec) -> Option<String> {
    tradai_config::images::Build::parse(spec.build.as_deref()?)
        .ok()?
        .binary
}

/// What a workspace binary of a service image needs: its variables, the health check its image runs and the
/// routes of its OpenAPI document (none for the runner, which serves nothing).
fn binary(name: &str) -> Option<Binary> {
    let served = |variables, routes| Binary {
        name: name.to_owned(),
        variables,
        health: Some(tradai_service_kit::probe::health_command()),
        routes,
    };
    Some(match name {
        "tradai-backend" => served(
            tradai_backend::settings::variables(),
            routes(&tradai_backend::openapi()),
        ),
        "tradai-strategy" => served(
            tradai_strategy::settings::variables(),
            routes(&tradai_strategy::openapi()),
        ),
        "tradai-data-collection" => served(
            tradai_data_collection::settings::variables(),
            routes(&tradai_data_collection::openapi()),
        ),
        "tradai-backtest-runner" => Binary {
            name: name.to_owned(),
            variables: tradai_backtest_runner::settings::variables(),
            ..Binary::default()
        },
        _ => return None,
    })
}

/// The AWS adapters a workspace binary runs (`Ports::aws`, the backend's default executor, the strategy
/// service's hyperopt workflow); the runner uses only the record stores and object stores of its ports.
fn binary_access(config: &Config, name: &str) -> Vec<Use> {
    use tradai_platform::access::{executor, ports};
    let mut bound = ports(config, None);
    match name {
        "tradai-backend" => bound.extend(executor(config, tradai_platform::ExecutorKind::Sqs)),
        "tradai-strategy" => bound.push(tradai_platform::access::workflow(
            config,
            tradai_strategy::settings::SWEEPS_WORKFLOW,
        )),
        "tradai-backtest-runner" => bound.retain(|u| {
            u.access.adapter == access::RECORD_STORE.adapter
                || u.access.adapter == access::OBJECT_STORE.adapter
        }),
        _ => {}
    }
    bound
}

/// The needs of every container and function of `config`.
pub fn needs(config: &Config) -> Needs {
    let mut needs = Needs::default();
    for (key, spec) in &config.settings().services {
        let Some(name) = binary_of(spec) else {
            continue;
        };
        if let Some(binary) = binary(&name) {
            needs.containers.insert(key.clone(), binary);
            needs
                .access
                .insert(key.clone(), binary_access(config, &name));
        }
    }
    needs.forwarded.insert(
        "backend-api".into(),
        tradai_backend::FORWARDED
            .map(|(route, _)| route.to_owned())
            .to_vec(),
    );
    needs.waiting_requests = Some(super::polling::requests_within);
    needs.resolves = tradai_discovery::RESOLVED_RECORDS
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    needs.region = config.settings().aws.region.clone();
    let cognito = &config.settings().cognito;
    needs.identity = Some(tradai_stack_testing::semantics::Identity {
        self_sign_up: cognito.self_sign_up,
        roles: cognito.groups.keys().cloned().collect(),
        machine_scopes: [(
            Function::DataCollectionProxy.key().to_owned(),
            tradai_lambdas::handlers::data_collection_proxy::scopes(cognito),
        )]
        .into(),
    });
    needs.images = tradai_config::images::plan(config)
        .into_iter()
        .map(|i| (i.repository, i.platform))
        .collect();
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
    fn every_binary_a_service_image_can_hold_has_its_needs() {
        for name in tradai_config::images::SERVICE_BINARIES {
            assert!(binary(name).is_some(), "{name}");
        }
    }

    #[test]
    fn the_needs_come_from_the_binaries() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let needs = needs(&config);
        assert!(needs.access["backend-api"]
            .iter()
            .any(|u| u.access.adapter == "SqsQueue::lookup"));
        assert!(needs.access["strategy-service"]
            .iter()
            .any(|u| u.access.adapter == "SfnWorkflows"
                && u.name == config.names().state_machine("hyperopt").to_string()));
        assert!(needs.access["strategy-container"]
            .iter()
            .all(|u| u.resource_type != access::types::CLUSTER));
        assert!(
            !needs.containers.contains_key("live-trading"),
            "no build, no binary"
        );
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
