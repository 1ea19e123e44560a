//! `metrics-emitted`: an alarm or a dashboard graph on a `TradAI` metric watches something only when a component
//! emits that metric with exactly the dimensions it names (CloudWatch keeps a metric per dimension set), in the
//! environment it names (the `Environment` value is the `ENVIRONMENT` of the deployed function or container that
//! emits it). Otherwise it never has data, and an alarm that treats missing data as fine stays quiet forever.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tradai_config::metrics::{ENVIRONMENT_DIMENSION, NAMESPACE};

use super::{container_env, containers, violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

/// A metric an alarm or a graph reads: its name and dimensions (name → value).
struct Watched {
    metric: String,
    dimensions: BTreeMap<String, String>,
}

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let running = environments(graph);
    for alarm in of_type(graph, "aws:cloudwatch/metricAlarm:MetricAlarm") {
        if alarm.inputs["namespace"] != NAMESPACE {
            continue;
        }
        let watched = Watched {
            metric: alarm.inputs["metricName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            dimensions: strings(&alarm.inputs["dimensions"]),
        };
        if let Some(problem) = problem(&watched, needs, &running) {
            out.push(violation(
                "metrics-emitted",
                alarm,
                format!("the alarm watches {problem}"),
            ));
        }
    }
    for dashboard in of_type(graph, "aws:cloudwatch/dashboard:Dashboard") {
        for (title, watched) in graphed(dashboard) {
            if let Some(problem) = problem(&watched, needs, &running) {
                out.push(violation(
                    "metrics-emitted",
                    dashboard,
                    format!("widget '{title}' graphs {problem}"),
                ));
            }
        }
    }
}

/// What is wrong with watching `watched`, if anything.
fn problem(watched: &Watched, needs: &Needs, running: &BTreeMap<String, String>) -> Option<String> {
    let metric = &watched.metric;
    let emitters: Vec<(&String, BTreeSet<&str>)> = needs
        .emitted
        .iter()
        .filter_map(|(component, metrics)| {
            let m = metrics.iter().find(|m| m.name == *metric)?;
            Some((component, m.dimension_names().into_iter().collect()))
        })
        .collect();
    if emitters.is_empty() {
        let mut known: Vec<&str> = needs.emitted.values().flatten().map(|m| m.name).collect();
        known.sort_unstable();
        known.dedup();
        return Some(format!(
            "{metric}, which no component emits (emitted: {})",
            known.join(", ")
        ));
    }
    let named: BTreeSet<&str> = watched.dimensions.keys().map(String::as_str).collect();
    let matching: Vec<&String> = emitters
        .iter()
        .filter(|(_, dimensions)| *dimensions == named)
        .map(|(component, _)| *component)
        .collect();
    if matching.is_empty() {
        let (component, dimensions) = &emitters[0];
        return Some(format!(
            "{metric} with the dimensions {named:?}, but {component} emits it with {dimensions:?}"
        ));
    }
    let environment = watched.dimensions.get(ENVIRONMENT_DIMENSION)?;
    let deployed: Vec<(&String, &String)> = matching
        .iter()
        .filter_map(|c| running.get(*c).map(|env| (*c, env)))
        .collect();
    if deployed.iter().any(|(_, env)| *env == environment) {
        return None;
    }
    let components: Vec<&str> = matching.iter().map(|c| c.as_str()).collect();
    Some(if deployed.is_empty() {
        format!(
            "{metric}, but its emitter ({}) is not deployed here",
            components.join(", ")
        )
    } else {
        let runs: Vec<String> = deployed
            .iter()
            .map(|(c, env)| format!("{c} runs with ENVIRONMENT={env}"))
            .collect();
        format!(
            "{metric} in {ENVIRONMENT_DIMENSION}={environment}, but {}",
            runs.join(", ")
        )
    })
}

/// The `ENVIRONMENT` of each function (by handler key) and container (by `SERVICE_NAME`) of the graph.
fn environments(graph: &[Planned]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for function in of_type(graph, "aws:lambda/function:Function") {
        let variables = &function.inputs["environment"]["variables"];
        let key = variables["TRADAI_HANDLER"]
            .as_str()
            .or_else(|| function.inputs["imageConfig"]["commands"][0].as_str());
        if let (Some(key), Some(env)) = (key, variables["ENVIRONMENT"].as_str()) {
            out.insert(key.to_owned(), env.to_owned());
        }
    }
    for task in of_type(graph, "aws:ecs/taskDefinition:TaskDefinition") {
        for container in containers(task) {
            if let (Some(key), Some(env)) = (
                container_env(&container, "SERVICE_NAME"),
                container_env(&container, "ENVIRONMENT"),
            ) {
                out.insert(key.to_owned(), env.to_owned());
            }
        }
    }
    out
}

/// A JSON object's string members.
fn strings(object: &Value) -> BTreeMap<String, String> {
    object
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

/// The `TradAI` metrics a dashboard graphs, with their widget's title: each row of a metric widget is
/// `[namespace, metric, dimension, value, …, {rendering}]`.
fn graphed(dashboard: &Planned) -> Vec<(String, Watched)> {
    let body: Value = dashboard.inputs["dashboardBody"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let mut out = Vec::new();
    for widget in body["widgets"].as_array().into_iter().flatten() {
        let title = widget["properties"]["title"].as_str().unwrap_or_default();
        for row in widget["properties"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let parts: Vec<&str> = row
                .as_array()
                .into_iter()
                .flatten()
                .map_while(Value::as_str)
                .collect();
            let [namespace, metric, dimensions @ ..] = parts.as_slice() else {
                continue;
            };
            if *namespace != NAMESPACE {
                continue;
            }
            let watched = Watched {
                metric: (*metric).to_owned(),
                dimensions: dimensions
                    .chunks(2)
                    .map(|pair| {
                        (
                            pair[0].to_owned(),
                            pair.get(1).copied().unwrap_or("").to_owned(),
                        )
                    })
                    .collect(),
            };
            out.push((title.to_owned(), watched));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_config::metrics::{Metric, DRIFT_PSI, SERVICE_HEALTHY, STALE_HEARTBEATS};

    use super::super::testing::{planned, task};
    use super::*;

    fn needs() -> Needs {
        Needs {
            emitted: BTreeMap::from([
                ("health-check".to_owned(), vec![SERVICE_HEALTHY]),
                ("trading-heartbeat-check".to_owned(), vec![STALE_HEARTBEATS]),
                ("drift-monitor".to_owned(), vec![DRIFT_PSI]),
            ]),
            ..Needs::default()
        }
    }

    fn function(key: &str, environment: &str) -> Planned {
        planned(
            "aws:lambda/function:Function",
            &format!("tradai-{key}-dev"),
            json!({"environment": {"variables": {"TRADAI_HANDLER": key, "ENVIRONMENT": environment}}}),
        )
    }

    fn alarm(metric: &str, dimensions: Value) -> Planned {
        planned(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            &format!("alarm-{metric}"),
            json!({"namespace": "TradAI", "metricName": metric, "dimensions": dimensions}),
        )
    }

    fn details(graph: &[Planned], needs: &Needs) -> Vec<String> {
        let mut out = Vec::new();
        check(graph, needs, &mut out);
        out.into_iter().map(|v| v.detail).collect()
    }

    fn deployed() -> Vec<Planned> {
        ["health-check", "trading-heartbeat-check", "drift-monitor"]
            .map(|k| function(k, "dev"))
            .to_vec()
    }

    /// Alarms on emitted metrics with their dimensions pass; AWS namespaces are not this rule's.
    #[test]
    fn alarms_on_what_is_emitted_pass() {
        let mut graph = deployed();
        graph.extend([
            alarm("StaleHeartbeats", json!({"Environment": "dev"})),
            alarm("ServiceHealthy", json!({"Environment": "dev", "Service": "backend-api"})),
            planned(
                "aws:cloudwatch/metricAlarm:MetricAlarm",
                "lambda-errors",
                json!({"namespace": "AWS/Lambda", "metricName": "Errors", "dimensions": {"FunctionName": "f"}}),
            ),
        ]);
        assert_eq!(details(&graph, &needs()), Vec::<String>::new());
    }

    /// An alarm on a metric nobody emits never has data.
    #[test]
    fn an_alarm_on_a_metric_nobody_emits_is_reported() {
        let mut graph = deployed();
        graph.push(alarm("OrphanTasksFound", json!({"Environment": "dev"})));
        assert_eq!(
            details(&graph, &needs()),
            ["the alarm watches OrphanTasksFound, which no component emits (emitted: DriftPSI, ServiceHealthy, StaleHeartbeats)"]
        );
    }

    /// A metric emitted per service has no series with the environment alone, and one emitted per environment
    /// has none per service.
    #[test]
    fn an_alarm_with_other_dimensions_than_emitted_is_reported() {
        let mut graph = deployed();
        graph.extend([
            alarm("ServiceHealthy", json!({"Environment": "dev"})),
            alarm("DriftPSI", json!({"Environment": "dev", "Model": "m"})),
        ]);
        assert_eq!(
            details(&graph, &needs()),
            [
                "the alarm watches ServiceHealthy with the dimensions {\"Environment\"}, but health-check emits it with {\"Environment\", \"Service\"}",
                "the alarm watches DriftPSI with the dimensions {\"Environment\", \"Model\"}, but drift-monitor emits it with {\"Environment\"}",
            ]
        );
    }

    /// The `Environment` value is the one the emitter runs with, and the emitter must be deployed.
    #[test]
    fn an_alarm_in_another_environment_or_without_its_emitter_is_reported() {
        let graph = vec![
            function("trading-heartbeat-check", "prod"),
            alarm("StaleHeartbeats", json!({"Environment": "dev"})),
            alarm("DriftPSI", json!({"Environment": "dev"})),
        ];
        assert_eq!(
            details(&graph, &needs()),
            [
                "the alarm watches StaleHeartbeats in Environment=dev, but trading-heartbeat-check runs with ENVIRONMENT=prod",
                "the alarm watches DriftPSI, but its emitter (drift-monitor) is not deployed here",
            ]
        );
        let container = task(
            "tradai-backend-dev",
            json!({"name": "backend-api", "environment": [
                {"name": "SERVICE_NAME", "value": "backend-api"}, {"name": "ENVIRONMENT", "value": "dev"}]}),
        );
        let needs = Needs {
            emitted: BTreeMap::from([(
                "backend-api".to_owned(),
                vec![Metric {
                    name: "Requests",
                    ..STALE_HEARTBEATS
                }],
            )]),
            ..Needs::default()
        };
        assert_eq!(
            details(
                &[container, alarm("Requests", json!({"Environment": "dev"}))],
                &needs
            ),
            Vec::<String>::new(),
            "a container emits in its ENVIRONMENT too"
        );
    }

    /// Dashboard rows are read as `[namespace, metric, dimension, value, …, {options}]`.
    #[test]
    fn a_dashboard_graph_of_a_metric_nobody_emits_is_reported() {
        let body = json!({"widgets": [{"type": "metric", "properties": {"title": "Platform metrics", "metrics": [
            ["TradAI", "StaleHeartbeats", "Environment", "dev"],
            ["TradAI", "BacktestTasksLaunched", "Environment", "dev", {"label": "launched"}],
            ["TradAI", "ServiceHealthy", "Environment", "dev", "Service", "backend-api"],
            ["AWS/Lambda", "Errors", "FunctionName", "f"],
        ]}}]});
        let mut graph = deployed();
        graph.push(planned(
            "aws:cloudwatch/dashboard:Dashboard",
            "dashboard",
            json!({"dashboardBody": body.to_string()}),
        ));
        assert_eq!(
            details(&graph, &needs()),
            ["widget 'Platform metrics' graphs BacktestTasksLaunched, which no component emits (emitted: DriftPSI, ServiceHealthy, StaleHeartbeats)"]
        );
    }
}
