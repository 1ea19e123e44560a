//! The real stack program run against the in-process mock engine.

mod compute;
mod edge;
mod foundation;
mod persistent;
mod policy;
mod upstream;

use std::path::Path;

use serde_json::{json, Map, Value};
use tradai_config::{Environment, Layer, Loader};
use tradai_stack_testing::{run, Run, RunSpec};

/// The pulumi-aws schema subset.
pub fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../aws/schema/aws.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema subset")).expect("json")
}

/// Run the stack `<layer>-<env>` with the given upstream exports (by fully qualified stack name); it must succeed.
pub async fn run_layer(layer: Layer, env: Environment, references: Map<String, Value>) -> Run {
    let result = run_program(layer, env, references).await;
    assert!(result.success, "{layer}-{env} failed: {}", result.stderr);
    result
}

/// Run the stack `<layer>-<env>` with the given upstream exports, whatever its outcome.
pub async fn run_program(layer: Layer, env: Environment, references: Map<String, Value>) -> Run {
    let schema = schema();
    let stack = format!("{layer}-{env}");
    let spec = RunSpec {
        program: Path::new(env!("CARGO_BIN_EXE_tradai-pulumi")),
        project: "tradai",
        stack: &stack,
        organization: "organization",
        config: Map::new(),
        references,
        schema: &schema,
        region: "eu-central-1",
        dry_run: false,
        config_dir: None,
    };
    run(spec).await.expect("the program runs")
}

/// The embedded config of `env`.
pub fn config(env: Environment) -> tradai_config::Config {
    Loader::embedded()
        .without_env_vars()
        .load(env)
        .expect("valid")
}

/// The exports of every layer below `layer`, by fully qualified stack name, from runs in order.
pub async fn upstream_exports(layer: Layer, env: Environment) -> Map<String, Value> {
    let config = config(env);
    let mut references = Map::new();
    for lower in Layer::ALL.into_iter().filter(|l| *l < layer) {
        let run = run_layer(lower, env, references.clone()).await;
        references.insert(
            config.stack_reference(lower),
            Value::Object(run.recording.exports),
        );
    }
    references
}

/// Run every layer below `layer` in order, then `layer` reading their recorded exports.
pub async fn run_stack(layer: Layer, env: Environment) -> Run {
    let references = upstream_exports(layer, env).await;
    run_layer(layer, env, references).await
}

/// Run persistent, then `layer` reading persistent's recorded exports.
pub async fn run_after_persistent(layer: Layer, env: Environment) -> Run {
    run_stack(layer, env).await
}

/// The registered resources of type `token`.
pub fn of_type<'a>(run: &'a Run, token: &str) -> Vec<&'a tradai_stack_testing::Registered> {
    run.recording
        .resources
        .iter()
        .filter(|r| r.type_ == token)
        .collect()
}

/// The custom resources of a run as (type, name, inputs), sorted by type and name (registration order is not
/// part of the contract).
pub fn graph(run: &Run) -> Vec<Value> {
    let mut graph: Vec<Value> = run
        .recording
        .resources
        .iter()
        .filter(|r| r.custom)
        .map(|r| json!({"type": r.type_, "name": r.name, "inputs": r.inputs}))
        .collect();
    graph.sort_by_key(|r| {
        (
            r["type"].as_str().unwrap_or_default().to_owned(),
            r["name"].as_str().unwrap_or_default().to_owned(),
        )
    });
    graph
}
