//! `tradai config promote`.

use crate::helpers::{tradai, Workspace};

/// A promotable change in dev is written into staging's file and reported.
#[test]
fn promotes_into_the_target_file() {
    let ws = Workspace::new();
    ws.append("dev", "[alarms]\napi_latency_ms = 1500\n");
    let out = ws
        .tradai(&["config", "promote", "dev", "staging"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = ws.redact(&out);
    assert!(
        text.contains("  set  alarms.api_latency_ms: 2000 -> 1500\n"),
        "{text}"
    );
    assert!(text.contains("  keep database.instance_class: \"db.t4g.micro\" -> \"db.t4g.small\"  [environment-scoped]"), "{text}");
    assert!(text.ends_with("wrote <dir>/staging.toml\n"), "{text}");
    ws.tradai(&["config", "diff", "dev", "staging"])
        .assert()
        .success()
        .stdout(predicates::str::contains("0 promotable"));
}

/// --dry-run prints the plan and leaves the file alone.
#[test]
fn dry_run_leaves_the_file_alone() {
    let ws = Workspace::new();
    ws.append("dev", "[alarms]\napi_latency_ms = 1500\n");
    let before = ws.read("prod");
    ws.tradai(&["config", "promote", "dev", "prod", "--dry-run"])
        .assert()
        .success()
        .stdout(predicates::str::contains("dry run: nothing written"));
    assert_eq!(ws.read("prod"), before);
}

/// An immutable change is refused with exit 1, naming the key, and nothing is written.
#[test]
fn refuses_an_immutable_change() {
    let ws = Workspace::new();
    ws.append("staging", "[cognito]\nuser_pool = \"people\"\n");
    let before = ws.read("prod");
    let out = ws
        .tradai(&["config", "promote", "staging", "prod"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr), @r#"
    error: refusing to promote staging -> prod: 1 immutable key(s) would change (they must never change after the first deploy; migrate instead):
      - cognito.user_pool: "people" -> "users"  [IMMUTABLE]
    "#);
    assert_eq!(ws.read("prod"), before);
}

/// Without a config directory on disk there is nothing to rewrite: said plainly.
#[test]
fn needs_a_config_directory_on_disk() {
    let empty = tempfile::tempdir().expect("dir");
    tradai()
        .current_dir(empty.path())
        .args(["config", "promote", "dev", "staging"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no config directory was found"));
}
