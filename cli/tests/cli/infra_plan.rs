//! `tradai infra plan`: the real stack programs on the mock engine.

use crate::helpers::Workspace;

/// JSON lists every resource with its stack, type, name and inputs; foundation resolves persistent's exports.
#[test]
fn plans_both_layers_as_json() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["infra", "plan", "--env", "dev", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let items = plan.as_array().expect("array");
    let count = |stack: &str, ty: &str| {
        items
            .iter()
            .filter(|i| i["stack"] == stack && i["type"] == ty)
            .count()
    };
    assert_eq!(count("persistent-dev", "aws:dynamodb/table:Table"), 12);
    assert_eq!(count("foundation-dev", "aws:ec2/subnet:Subnet"), 6);
    assert!(items
        .iter()
        .all(|i| i["inputs"].is_object() && i["name"].is_string()));
}

/// A table of one layer, with a count.
#[test]
fn plans_one_layer_as_a_table() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["infra", "plan", "--env", "prod", "--stack", "persistent"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("STACK"), "{text}");
    let row = text
        .lines()
        .find(|l| l.ends_with(" tradai-workflow-state-prod"))
        .unwrap_or_else(|| panic!("no row for the table: {text}"));
    assert!(
        row.starts_with("persistent-prod") && row.contains("aws:dynamodb/table:Table"),
        "{row}"
    );
    assert!(
        !text.contains("foundation-prod"),
        "only the asked layer: {text}"
    );
    assert!(text.trim_end().ends_with("resources"), "{text}");
}

/// Unknown and not-yet-built layers are named with what is allowed.
#[test]
fn rejects_unknown_and_unbuilt_layers() {
    let ws = Workspace::new();
    ws.tradai(&["infra", "plan", "--env", "dev", "--stack", "network"])
        .assert()
        .code(1)
        .stderr("error: --stack: unknown layer 'network': allowed values are persistent, foundation, compute, edge\n");
    ws.tradai(&["infra", "plan", "--env", "dev", "--stack", "edge"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("the edge layer is not built yet"));
}

/// `infra check` passes every environment of the shipped config.
#[test]
fn checks_every_environment() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["infra", "check"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert_eq!(
        text.lines()
            .filter(|l| l.ends_with("resources pass every policy check"))
            .count(),
        3,
        "{text}"
    );
}

/// A config that breaks a policy (state tables without PITR) fails the check, naming rule and resource.
#[test]
fn fails_on_a_policy_violation() {
    let ws = Workspace::new();
    ws.append("dev", "[tables.drift-state]\npitr = false\n");
    ws.tradai(&["infra", "check", "--env", "dev"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("[table-pitr] persistent-dev tradai-drift-state-dev: a state table without point-in-time recovery"));
}
