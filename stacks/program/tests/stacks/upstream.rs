//! Downstream layers use upstream resources only through the StackReference exports: run a layer with the
//! recorded upstream exports, and again with every exported value changed; no original value may remain in
//! the second graph (nothing was hard-coded or derived another way), and the changed values must appear.

use serde_json::{Map, Value};
use tradai_config::{Environment, Layer};

use crate::{run_layer, upstream_exports};

/// Every exported value with `-alt` appended to each comma-separated item.
fn altered(references: &Map<String, Value>) -> Map<String, Value> {
    references
        .iter()
        .map(|(stack, exports)| {
            let exports = exports
                .as_object()
                .expect("exports")
                .iter()
                .map(|(k, v)| {
                    let v = v.as_str().expect("string export");
                    let alt: Vec<String> = v.split(',').map(|item| format!("{item}-alt")).collect();
                    (k.clone(), Value::String(alt.join(",")))
                })
                .collect();
            (stack.clone(), Value::Object(exports))
        })
        .collect()
}

/// Whether an exported item identifies a deployed resource (an ARN, a URL or endpoint, or an id such as
/// `vpc-…`). Names are left out: a name such as `tradai-mlflow-dev` is the bucket's upstream, and equally the
/// name compute derives from the config for its own target group.
fn identifying(item: &str) -> bool {
    let id = item.split_once('-').is_some_and(|(prefix, hex)| {
        prefix.len() <= 4
            && prefix.bytes().all(|b| b.is_ascii_lowercase())
            && hex.len() == 12
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    item.starts_with("arn:") || item.contains("://") || item.contains(".amazonaws.com") || id
}

/// Upstream items (comma-split) that identify resources.
fn items(references: &Map<String, Value>) -> Vec<String> {
    let mut items: Vec<String> = references
        .values()
        .flat_map(|e| e.as_object().expect("exports").values())
        .flat_map(|v| {
            v.as_str()
                .expect("string")
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|item| identifying(item))
        .collect();
    items.sort();
    items.dedup();
    items
}

/// Check `layer` in `env`; at least `min_used` identifying upstream values must flow into its graph.
async fn check(layer: Layer, env: Environment, min_used: usize) {
    let references = upstream_exports(layer, env).await;
    let alt = altered(&references);
    let original = run_layer(layer, env, references.clone()).await;
    let changed = run_layer(layer, env, alt).await;
    let text = |run: &tradai_stack_testing::Run| {
        Value::Array(
            run.recording
                .resources
                .iter()
                .filter(|r| r.custom)
                .map(|r| r.inputs.clone())
                .collect(),
        )
        .to_string()
    };
    let (before, after) = (text(&original), text(&changed));
    let mut used = 0;
    for item in items(&references) {
        let in_before = before.matches(item.as_str()).count();
        let in_after = after.matches(item.as_str()).count();
        let altered_after = after.matches(format!("{item}-alt").as_str()).count();
        assert_eq!(
            in_after, altered_after,
            "{layer}-{env}: '{item}' appears in the graph without coming from the StackReference"
        );
        if in_before > 0 {
            used += 1;
            assert!(
                altered_after > 0,
                "{layer}-{env}: '{item}' was used but its new value is not"
            );
        }
    }
    assert!(
        used >= min_used,
        "{layer}-{env} uses only {used} upstream values"
    );
}

#[tokio::test]
async fn compute_uses_only_upstream_outputs() {
    for env in [Environment::Dev, Environment::Prod] {
        check(Layer::Compute, env, 10).await;
    }
}

#[tokio::test]
async fn edge_uses_only_upstream_outputs() {
    for env in [Environment::Dev, Environment::Prod] {
        check(Layer::Edge, env, 10).await;
    }
}

/// Foundation reads only names from persistent (table and bucket names for endpoint policies), so no
/// identifying value is expected to flow, but none may be hard-coded either.
#[tokio::test]
async fn foundation_uses_only_upstream_outputs() {
    check(Layer::Foundation, Environment::Staging, 0).await;
}

/// An upstream stack deployed from another revision (an export renamed): the program refuses before it
/// registers anything, with an error naming the stack and the key, not a panic inside an output.
#[tokio::test]
async fn a_missing_upstream_export_is_an_error_naming_the_stack_and_key() {
    let env = Environment::Dev;
    let config = crate::config(env);
    let mut references = upstream_exports(Layer::Compute, env).await;
    let foundation = config.stack_reference(Layer::Foundation);
    let exports = references[&foundation]
        .as_object()
        .expect("exports")
        .clone();
    let renamed: Map<String, Value> = exports
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "lambda_security_group_id" => ("lambda_sg_id".to_owned(), v),
            _ => (k, v),
        })
        .collect();
    references.insert(foundation.clone(), Value::Object(renamed));
    let run = crate::run_program(Layer::Compute, env, references).await;
    assert!(!run.success);
    assert!(
        run.stderr.contains(&format!(
            "stack {foundation} has no output 'lambda_security_group_id'"
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.recording.resources.is_empty(), "nothing is registered");
}
