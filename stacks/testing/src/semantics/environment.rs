//! `env-complete`: every variable a container's or function's binary needs in the cloud is set where it runs
//! (the task definition, the workflow's container overrides, the function's configuration), with a value of
//! the declared shape; an ARN names a resource of the graph.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tradai_config::{Declared, Deployed, Shape};

use super::{container_env, containers, violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

/// What Lambda sets in every function's environment.
const LAMBDA_PROVIDED: [&str; 4] = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_RUNTIME_API",
];

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let names = resource_names(graph);
    let overrides = workflow_overrides(graph);
    for task in of_type(graph, "aws:ecs/taskDefinition:TaskDefinition") {
        let family = task.inputs["family"].as_str().unwrap_or_default();
        for container in containers(task) {
            let Some(key) = container_env(&container, "SERVICE_NAME") else {
                continue;
            };
            let Some(binary) = needs.containers.get(key) else {
                continue;
            };
            let mut set: BTreeMap<String, Option<String>> = BTreeMap::new();
            for e in container["environment"].as_array().into_iter().flatten() {
                set.insert(
                    e["name"].as_str().unwrap_or_default().to_owned(),
                    e["value"].as_str().map(str::to_owned),
                );
            }
            for s in container["secrets"].as_array().into_iter().flatten() {
                set.insert(s["name"].as_str().unwrap_or_default().to_owned(), None);
            }
            let name = container["name"].as_str().unwrap_or_default();
            for (target, variables) in &overrides {
                if target.container == name && target.family.as_deref().is_none_or(|f| f == family)
                {
                    for v in variables {
                        set.entry(v.clone()).or_insert(None);
                    }
                }
            }
            let place = format!("container {name} ({})", binary.name);
            compare(task, &place, &binary.variables, &set, &names, out);
        }
    }
    for function in of_type(graph, "aws:lambda/function:Function") {
        let variables = &function.inputs["environment"]["variables"];
        let key = variables["TRADAI_HANDLER"]
            .as_str()
            .or_else(|| function.inputs["imageConfig"]["commands"][0].as_str());
        let Some(declared) = key.and_then(|k| needs.functions.get(k)) else {
            out.push(violation(
                "env-complete",
                function,
                format!(
                    "TRADAI_HANDLER={}: the tradai-lambda binary cannot tell which handler to serve (expected one of {})",
                    key.unwrap_or("<unset>"),
                    needs.functions.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        };
        let mut set: BTreeMap<String, Option<String>> = variables
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
            .collect();
        for provided in LAMBDA_PROVIDED {
            set.entry(provided.to_owned()).or_insert(None);
        }
        let place = format!("function {}", key.unwrap_or_default());
        compare(function, &place, declared, &set, &names, out);
    }
}

/// Each declared variable against what is set (`None`: set at run time, a secret or an override).
fn compare(
    resource: &Planned,
    place: &str,
    declared: &[Declared],
    set: &BTreeMap<String, Option<String>>,
    names: &BTreeSet<String>,
    out: &mut Vec<Violation>,
) {
    for d in declared {
        let detail = match (set.get(&d.name), &d.deployed) {
            (None, _) if d.needed_in_cloud() => Some(format!(
                "{place} needs {} ({}) but it is not set",
                d.name, d.allowed
            )),
            (Some(Some(value)), Deployed::Exactly(want)) if value != want => Some(format!(
                "{place}: {}={value}, a deployment needs {}={want}",
                d.name, d.name
            )),
            (Some(Some(value)), _) if !d.shape.admits(value) => {
                Some(format!("{place}: {}={value} is not {}", d.name, d.allowed))
            }
            (Some(Some(value)), _) if d.shape == Shape::Arn && !names.contains(arn_name(value)) => {
                Some(format!(
                    "{place}: {}={value} names no resource of the graph",
                    d.name
                ))
            }
            _ => None,
        };
        if let Some(detail) = detail {
            out.push(violation("env-complete", resource, detail));
        }
    }
}

/// The resource name at the end of an ARN (`…:stateMachine:tradai-backtest-workflow-dev`, `…:secret:name`).
fn arn_name(arn: &str) -> &str {
    arn.rsplit([':', '/']).next().unwrap_or(arn)
}

/// The names of every resource of the graph (logical and physical).
fn resource_names(graph: &[Planned]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for r in graph {
        names.insert(r.name.clone());
        if let Some(name) = r.inputs["name"].as_str() {
            names.insert(name.to_owned());
            names.insert(arn_name(name).to_owned());
        }
    }
    names
}

/// Where a workflow's `ecs:runTask` overrides a container: the container, and the family when fixed.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    container: String,
    family: Option<String>,
}

/// The environment each state machine's ECS tasks set through container overrides.
fn workflow_overrides(graph: &[Planned]) -> BTreeMap<Target, Vec<String>> {
    let mut out: BTreeMap<Target, Vec<String>> = BTreeMap::new();
    for machine in of_type(graph, "aws:sfn/stateMachine:StateMachine") {
        let Some(definition) = machine.inputs["definition"]
            .as_str()
            .and_then(|d| serde_json::from_str::<Value>(d).ok())
        else {
            continue;
        };
        let mut tasks = Vec::new();
        ecs_tasks(&definition, &mut tasks);
        for parameters in tasks {
            let family = parameters["TaskDefinition"].as_str().map(str::to_owned);
            for o in parameters["Overrides"]["ContainerOverrides"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let target = Target {
                    container: o["Name"].as_str().unwrap_or_default().to_owned(),
                    family: family.clone(),
                };
                let names = o["Environment"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["Name"].as_str().map(str::to_owned));
                out.entry(target).or_default().extend(names);
            }
        }
    }
    out
}

/// The `Parameters` of every `ecs:runTask` state, nested ones included.
fn ecs_tasks<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            if map.get("Type").and_then(Value::as_str) == Some("Task")
                && map
                    .get("Resource")
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.contains(":ecs:runTask"))
            {
                out.push(&map["Parameters"]);
            }
            map.values().for_each(|v| ecs_tasks(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| ecs_tasks(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_config::Variable;

    use super::super::testing::{planned, task};
    use super::super::Binary;
    use super::*;

    fn needs() -> Needs {
        let adapters = Variable::optional("SERVICE_ADAPTERS", "memory or aws")
            .with_default("memory")
            .deployed(Deployed::Exactly("aws"));
        let topic = Variable::required("ALERT_SNS_TOPIC_ARN", "a topic ARN").shaped(Shape::Arn);
        let mut needs = Needs::default();
        needs.containers.insert(
            "backend-api".into(),
            Binary {
                name: "tradai-backend".into(),
                variables: vec![
                    Declared::from(&Variable::required("ENVIRONMENT", "dev, staging or prod")),
                    Declared::from(&adapters),
                ],
                ..Binary::default()
            },
        );
        needs.containers.insert(
            "strategy-container".into(),
            Binary {
                name: "tradai-backtest-runner".into(),
                variables: vec![Declared::from(&Variable::required("JOB_ID", "the job"))],
                ..Binary::default()
            },
        );
        needs
            .functions
            .insert("notify-completion".into(), vec![Declared::from(&topic)]);
        needs
    }

    fn details(graph: &[Planned]) -> Vec<String> {
        let mut out = Vec::new();
        check(graph, &needs(), &mut out);
        out.into_iter()
            .map(|v| format!("{}: {}", v.resource, v.detail))
            .collect()
    }

    fn backend(environment: Value) -> Planned {
        task(
            "tradai-backend-dev",
            json!({"name": "backend-api", "environment": environment}),
        )
    }

    #[test]
    fn a_service_left_on_in_memory_adapters_is_reported() {
        let unset = backend(json!([
            {"name": "SERVICE_NAME", "value": "backend-api"},
            {"name": "ENVIRONMENT", "value": "dev"},
        ]));
        assert_eq!(
            details(&[unset]),
            ["tradai-backend-dev: container backend-api (tradai-backend) needs SERVICE_ADAPTERS (memory or aws) but it is not set"]
        );
        let aws = backend(json!([
            {"name": "SERVICE_NAME", "value": "backend-api"},
            {"name": "ENVIRONMENT", "value": "dev"},
            {"name": "SERVICE_ADAPTERS", "value": "aws"},
        ]));
        assert_eq!(details(&[aws]), Vec::<String>::new());
        let memory = backend(json!([
            {"name": "SERVICE_NAME", "value": "backend-api"},
            {"name": "ENVIRONMENT", "value": "dev"},
            {"name": "SERVICE_ADAPTERS", "value": "memory"},
        ]));
        assert_eq!(
            details(&[memory]),
            ["tradai-backend-dev: container backend-api (tradai-backend): SERVICE_ADAPTERS=memory, a deployment needs SERVICE_ADAPTERS=aws"]
        );
    }

    #[test]
    fn a_required_variable_may_come_from_the_workflow_s_overrides() {
        let runner = task(
            "tradai-strategy-generic-dev",
            json!({"name": "strategy", "environment": [{"name": "SERVICE_NAME", "value": "strategy-container"}]}),
        );
        assert_eq!(
            details(std::slice::from_ref(&runner)),
            ["tradai-strategy-generic-dev: container strategy (tradai-backtest-runner) needs JOB_ID (the job) but it is not set"]
        );
        let definition = json!({"States": {"Run": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {"TaskDefinition.$": "$.task_definition", "Overrides": {"ContainerOverrides": [
                {"Name": "strategy", "Environment": [{"Name": "JOB_ID", "Value.$": "$.job_id"}]}]}}}}});
        let machine = planned(
            "aws:sfn/stateMachine:StateMachine",
            "tradai-backtest-workflow-dev",
            json!({"definition": definition.to_string()}),
        );
        assert_eq!(details(&[runner, machine]), Vec::<String>::new());
    }

    #[test]
    fn a_function_s_arn_must_name_a_resource_of_the_graph() {
        let function = |topic: &str| {
            planned(
                "aws:lambda/function:Function",
                "tradai-notify-completion-dev",
                json!({"environment": {"variables": {"TRADAI_HANDLER": "notify-completion", "ALERT_SNS_TOPIC_ARN": topic}}}),
            )
        };
        let topic = planned(
            "aws:sns/topic:Topic",
            "tradai-alerts-dev",
            json!({"name": "tradai-alerts-dev"}),
        );
        let good = function("arn:aws:sns:eu-central-1:123456789012:tradai-alerts-dev");
        assert_eq!(details(&[good, topic.clone()]), Vec::<String>::new());
        let renamed = function("arn:aws:sns:eu-central-1:123456789012:tradai-alarms-dev");
        assert_eq!(
            details(&[renamed, topic.clone()]),
            ["tradai-notify-completion-dev: function notify-completion: ALERT_SNS_TOPIC_ARN=arn:aws:sns:eu-central-1:123456789012:tradai-alarms-dev names no resource of the graph"]
        );
        let name_only = function("tradai-alerts-dev");
        assert_eq!(
            details(&[name_only, topic]),
            ["tradai-notify-completion-dev: function notify-completion: ALERT_SNS_TOPIC_ARN=tradai-alerts-dev is not a topic ARN"]
        );
        let unknown = planned(
            "aws:lambda/function:Function",
            "tradai-x-dev",
            json!({"environment": {"variables": {"TRADAI_HANDLER": "x"}}}),
        );
        assert!(details(&[unknown])[0]
            .contains("TRADAI_HANDLER=x: the tradai-lambda binary cannot tell"));
    }
}
