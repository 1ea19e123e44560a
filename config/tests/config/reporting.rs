//! Bad input is reported all at once, each problem with its file, key path, value and what is allowed.

use tradai_config::Environment;

use crate::helpers::TempConfig;

/// Four unrelated mistakes in prod.toml come back together, each naming the file that set the value
/// (an overlap is named at both subnets: one from prod.toml, one from base.toml).
#[test]
fn reports_every_problem_at_once_naming_file_key_value_and_allowed() {
    let config = TempConfig::new();
    config.append(
        "prod",
        r#"
[waf]
rate_limt = 50

[services.mlflow]
port = 8000

[lambdas.drift-monitor]
timeout_seconds = 1000

[network.subnets.private-1]
cidr = "10.0.1.0/24"
"#,
    );
    let (problems, text) = config.problems(Environment::Prod);
    insta::assert_snapshot!(text, @r#"
    5 config problems:
      - <dir>/prod.toml: waf.rate_limt = 50: unknown key; allowed: keys rate_limit, per_caller_rate_limit, rate_limit_window_seconds, managed_rule_groups
      - <dir>/base.toml: network.subnets.public-1.cidr = "10.0.1.0/24": overlaps network.subnets.private-1.cidr 10.0.1.0/24; allowed: a block that shares no address with another subnet
      - <dir>/prod.toml: network.subnets.private-1.cidr = "10.0.1.0/24": overlaps network.subnets.public-1.cidr 10.0.1.0/24; allowed: a block that shares no address with another subnet
      - <dir>/prod.toml: services.mlflow.port = 8000: port is also used by services.backend-api.port; allowed: a port no other service or the database uses
      - <dir>/prod.toml: lambdas.drift-monitor.timeout_seconds = 1000: Lambda timeout above 900 s (the AWS maximum); allowed: 1 to 900
    "#);
    assert_eq!(problems.len(), 5);
}

/// Wrong types, missing keys and unknown enum values are structural problems, all listed.
#[test]
fn reports_wrong_types_missing_keys_and_unknown_values() {
    let config = TempConfig::new();
    let base = config.read("base").replace("api_latency_ms = 2000\n", "");
    config.write("base", &base);
    config.append(
        "dev",
        r#"
[services.backend-api]
cpu = "lots"

[compute]
mode = "kubernetes"

[lambdas.health-check]
triggers = [{ kind = "schedul", expression = "rate(2 minutes)" }]
"#,
    );
    let (_, text) = config.problems(Environment::Dev);
    insta::assert_snapshot!(text, @r#"
    4 config problems:
      - <dir>/base.toml: alarms.api_latency_ms = (missing): required key is missing; allowed: an integer
      - <dir>/dev.toml: compute.mode = "kubernetes": not an allowed value; allowed: one of "consolidated-ec2", "fargate"
      - <dir>/dev.toml: lambdas.health-check.triggers[0].kind = "schedul": not a known kind; allowed: one of "sqs", "schedule", "workflow", "asg-lifecycle", "alarm", "direct"
      - <dir>/dev.toml: services.backend-api.cpu = "lots": expected an integer, found a string; allowed: an integer
    "#);
}

/// A TOML syntax error points at file, line and column.
#[test]
fn reports_toml_syntax_errors_with_line_and_column() {
    let config = TempConfig::new();
    config.write("staging", "[database]\ninstance_class = db.t4g.small\n");
    let (problems, _) = config.problems(Environment::Staging);
    let problem = problems.iter().next().expect("one problem");
    assert!(problem.source.ends_with("staging.toml:2:18"), "{problem}");
    assert_eq!(problem.allowed, "a TOML document");
}

/// Unknown keys deep inside maps and inline tables are typos too.
#[test]
fn rejects_unknown_keys_inside_map_entries_and_inline_tables() {
    let config = TempConfig::new();
    config.append("dev", "[tables.workflow-state]\npartition_key = { name = \"job_id\", type = \"S\", hash = true }\n");
    let (problems, text) = config.problems(Environment::Dev);
    assert_eq!(problems.len(), 1, "{text}");
    assert!(text.contains("tables.workflow-state.partition_key.hash = true: unknown key; allowed: keys name, type"), "{text}");
}

/// A missing environment file is an error naming its path.
#[test]
fn names_the_file_that_cannot_be_read() {
    let config = TempConfig::new();
    std::fs::remove_file(config.path().join("staging.toml")).expect("remove");
    let err = config
        .loader()
        .load(Environment::Staging)
        .expect_err("missing file");
    assert!(
        err.to_string().starts_with("cannot read ") && err.to_string().contains("staging.toml"),
        "{err}"
    );
}
