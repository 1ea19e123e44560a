//! The real stack program run against the in-process mock engine.

mod persistent;

use serde_json::{json, Value};
use tradai_stack_testing::Run;

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
