//! The real stack program run against the in-process mock engine.

mod foundation;
mod persistent;
mod policy;

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
    let result = run(spec).await.expect("the program runs");
    assert!(result.success, "{stack} failed: {}", result.stderr);
    result
}

/// Run persistent, then `layer` reading persistent's recorded exports.
pub async fn run_after_persistent(layer: Layer, env: Environment) -> Run {
    let persistent = run_layer(Layer::Persistent, env, Map::new()).await;
    let config = Loader::embedded()
        .without_env_vars()
        .load(env)
        .expect("valid");
    let references = Map::from_iter([(
        config.stack_reference(Layer::Persistent),
        Value::Object(persistent.recording.exports),
    )]);
    run_layer(layer, env, references).await
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
