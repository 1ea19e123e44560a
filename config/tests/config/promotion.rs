//! `promote`: promotable values move into the target file; immutable keys never change; nothing is half-written.

use tradai_config::promote::{promote_files, PromoteError};
use tradai_config::{diff, Environment, KeyClass};

use crate::helpers::TempConfig;

/// A size tuned in dev reaches prod; prod keeps its own counts, retention and protection.
#[test]
fn promotes_promotable_values_and_keeps_environment_scoped_ones() {
    let config = TempConfig::new();
    config.append("dev", "[services.mlflow]\ncpu = 1024\nmemory_mib = 2048\n\n[lambdas.health-check]\nmemory_mb = 512\n");
    let report =
        promote_files(config.path(), Environment::Dev, Environment::Prod, false).expect("promotes");
    assert!(report.written);
    assert_eq!(report.plan.set.len(), 3, "{:?}", report.plan.set);
    let prod = config.loader().load(Environment::Prod).expect("valid");
    assert_eq!(prod.settings().services["mlflow"].cpu, 1024);
    assert_eq!(prod.settings().lambdas["health-check"].memory_mb, 512);
    assert_eq!(
        prod.settings().services["backend-api"].desired_count,
        2,
        "scoped value kept"
    );
    assert_eq!(
        prod.settings().logging.retention_days,
        90,
        "scoped value kept"
    );
    assert!(config.read("prod").starts_with("# prod:"), "comments kept");
    let dev = config.loader().load(Environment::Dev).expect("valid");
    let after = diff(&dev, &prod);
    assert!(
        after
            .entries
            .iter()
            .all(|e| e.class == KeyClass::EnvironmentScoped),
        "{after}"
    );
}

/// `--dry-run` reports the plan and leaves the file byte-for-byte unchanged.
#[test]
fn dry_run_writes_nothing() {
    let config = TempConfig::new();
    config.append("staging", "[alarms]\napi_latency_ms = 1500\n");
    let before = config.read("prod");
    let report =
        promote_files(config.path(), Environment::Staging, Environment::Prod, true).expect("plans");
    assert!(!report.written);
    assert_eq!(
        report.plan.set,
        vec![("alarms.api_latency_ms".to_owned(), serde_json::json!(1500))]
    );
    assert_eq!(config.read("prod"), before);
}

/// A moved subnet and a new table key in dev are refused is refused key by key, and prod.toml is untouched.
#[test]
fn refuses_to_change_immutable_keys_naming_each() {
    let config = TempConfig::new();
    config.append("dev", "[network.subnets.public-1]\ncidr = \"10.0.3.0/24\"\n\n[tables.trading-state]\npartition_key = { name = \"session_id\", type = \"S\" }\n");
    let before = config.read("prod");
    let err = promote_files(config.path(), Environment::Dev, Environment::Prod, false)
        .expect_err("refused");
    let PromoteError::Refused(refusal) = &err else {
        panic!("expected a refusal, got {err}")
    };
    let keys: Vec<&str> = refusal.violations.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "network.subnets.public-1.cidr",
            "tables.trading-state.partition_key.name"
        ]
    );
    insta::assert_snapshot!(err.to_string(), @r#"
    refusing to promote dev -> prod: 2 immutable key(s) would change (they must never change after the first deploy; migrate instead):
      - network.subnets.public-1.cidr: "10.0.3.0/24" -> "10.0.1.0/24"  [IMMUTABLE]
      - tables.trading-state.partition_key.name: "session_id" -> "strategy_id"  [IMMUTABLE]
    "#);
    assert_eq!(config.read("prod"), before);
}

/// When the promoted values would make the target invalid, nothing is written and the problems are shown.
#[test]
fn refuses_a_promotion_whose_result_is_invalid() {
    let config = TempConfig::new();
    config.append(
        "dev",
        "[services.mlflow]\nkind = \"per-strategy\"\ndesired_count = 0\nalb_paths = []\n",
    );
    let before = config.read("prod");
    let err = promote_files(config.path(), Environment::Dev, Environment::Prod, false)
        .expect_err("invalid result");
    let text = err.to_string();
    assert!(matches!(err, PromoteError::Invalid { .. }), "{text}");
    assert!(
        text.contains("services.mlflow.desired_count = 1: on-demand and per-strategy containers"),
        "{text}"
    );
    assert_eq!(config.read("prod"), before);
}

/// Promoting an environment into itself is a mistake, said plainly.
#[test]
fn rejects_promotion_into_the_same_environment() {
    let config = TempConfig::new();
    let err = promote_files(config.path(), Environment::Prod, Environment::Prod, false)
        .expect_err("same env");
    assert_eq!(err.to_string(), "cannot promote prod into itself");
}
