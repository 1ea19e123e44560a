//! `tradai config show`.

use crate::helpers::Workspace;

/// TOML output is the resolved config: derived names plus the layered settings.
#[test]
fn shows_the_resolved_config_as_toml() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["config", "show", "--env", "staging"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: toml::Table = String::from_utf8_lossy(&out).parse().expect("valid TOML");
    assert_eq!(doc["environment"].as_str(), Some("staging"));
    assert_eq!(
        doc["names"]["tables"]["workflow-state"].as_str(),
        Some("tradai-workflow-state-staging")
    );
    assert_eq!(
        doc["settings"]["database"]["instance_class"].as_str(),
        Some("db.t4g.small")
    );
}

/// JSON output carries the same content for scripts.
#[test]
fn shows_the_resolved_config_as_json() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["config", "show", "--env", "prod", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(
        doc["names"]["queues"]["backtest"],
        "tradai-backtest-prod.fifo"
    );
    assert_eq!(
        doc["settings"]["services"]["backend-api"]["desired_count"],
        2
    );
}

/// An invalid config is not shown; its problems are.
#[test]
fn refuses_to_show_an_invalid_config() {
    let ws = Workspace::new();
    ws.append("prod", "[alarms]\napi_latency = 1500\n");
    let out = ws
        .tradai(&["config", "show", "--env", "prod"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    assert!(ws
        .redact(&out.stderr)
        .contains("<dir>/prod.toml: alarms.api_latency = 1500: unknown key"));
}

/// --format accepts only toml and json.
#[test]
fn rejects_an_unknown_format() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["config", "show", "--env", "dev", "--format", "yaml"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values: toml, json"));
}
