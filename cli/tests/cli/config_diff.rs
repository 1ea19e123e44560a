//! `tradai config diff`.

use crate::helpers::Workspace;

/// The shipped environments differ only in environment-scoped keys, listed one per line.
#[test]
fn lists_differences_key_by_key() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["config", "diff", "staging", "prod"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out), @r#"
    staging -> prod: 12 key(s) differ (0 promotable, 12 environment-scoped, 0 immutable)
      alb.domain_name: "api.staging.tradai.example.com" -> "api.prod.tradai.example.com"  [environment-scoped]
      cognito.deletion_protection: false -> true  [environment-scoped]
      compute.container_insights: false -> true  [environment-scoped]
      compute.mode: "consolidated-ec2" -> "fargate"  [environment-scoped]
      database.backup_retention_days: 7 -> 14  [environment-scoped]
      database.instance_class: "db.t4g.small" -> "db.t4g.medium"  [environment-scoped]
      database.multi_az: false -> true  [environment-scoped]
      dynamodb.deletion_protection: false -> true  [environment-scoped]
      logging.retention_days: 30 -> 90  [environment-scoped]
      network.interface_endpoints: [] -> ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs", "ssm", "sqs", "sns", "states"]  [environment-scoped]
      network.nat.mode: "instance" -> "gateway"  [environment-scoped]
      services.backend-api.desired_count: 1 -> 2  [environment-scoped]
    "#);
}

/// An environment compared with itself has no differences; JSON output is machine-readable.
#[test]
fn reports_no_differences_and_speaks_json() {
    let ws = Workspace::new();
    ws.tradai(&["config", "diff", "dev", "dev"])
        .assert()
        .success()
        .stdout("dev and dev have the same settings\n");
    ws.append(
        "dev",
        "[tables.workflow-state]\npartition_key = { name = \"run_id\", type = \"S\" }\n",
    );
    let out = ws
        .tradai(&["config", "diff", "dev", "prod", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let entry = doc["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["key"] == "tables.workflow-state.partition_key.name")
        .expect("entry")
        .clone();
    assert_eq!(entry["from"], "run_id");
    assert_eq!(entry["to"], "job_id");
    assert_eq!(entry["class"], "immutable");
}

/// Both environment arguments are checked.
#[test]
fn rejects_an_unknown_target_environment() {
    let ws = Workspace::new();
    ws.tradai(&["config", "diff", "dev", "production"])
        .assert()
        .code(1)
        .stderr(
            "error: TO: unknown environment 'production': allowed values are dev, staging, prod\n",
        );
}
