//! `tradai infra plan`: the real stack programs on the mock engine.

use crate::helpers::Workspace;

/// JSON lists every resource with its stack, type, name and inputs; foundation resolves persistent's exports.
#[test]
fn plans_both_layers_as_json() {
    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "plan", "--env", "dev", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&out).expect("json");
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
    let out = ws.stdout(&["infra", "plan", "--env", "prod", "--stack", "persistent"]);
    let text = out;
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

/// An unknown layer is named with what is allowed.
#[test]
fn rejects_unknown_layers() {
    let ws = Workspace::new();
    ws.tradai(&["infra", "plan", "--env", "dev", "--stack", "network"])
        .assert()
        .code(1)
        .stderr("error: --stack: unknown layer 'network': allowed values are persistent, foundation, compute, edge\n");
}

/// The edge layer plans on top of the three below it.
#[test]
fn plans_the_edge_layer() {
    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "plan", "--env", "staging", "--stack", "edge"]);
    let text = out;
    assert!(
        text.contains("edge-staging     aws:wafv2/webAcl:WebAcl"),
        "{text}"
    );
    assert!(
        !text.contains("compute-staging  aws:"),
        "only the asked layer: {text}"
    );
}

/// `infra cost` prints a line per priced item and a total, with the price table's date.
#[test]
fn estimates_the_monthly_cost() {
    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "cost", "--env", "prod", "--format", "json"]);
    let estimate: serde_json::Value = serde_json::from_str(&out).expect("json");
    let lines = estimate["lines"].as_array().expect("lines");
    assert!(
        lines.iter().any(|l| l["item"] == "tradai-nat-gw-prod"),
        "{estimate}"
    );
    let sum: f64 = lines
        .iter()
        .map(|l| l["monthly_usd"].as_f64().expect("usd"))
        .sum();
    let total = estimate["total_usd"].as_f64().expect("total");
    assert!((sum - total).abs() < 0.01, "{sum} vs {total}");
    assert_eq!(estimate["prices_date"], "2026-11-01");
    let table = ws.stdout(&["infra", "cost", "--env", "dev"]);
    assert!(
        table.contains("tradai-ecs-host-dev") && table.contains("1 × t3.small"),
        "{table}"
    );
    assert!(table.lines().any(|l| l.starts_with("total")), "{table}");
}

/// A price table without the environment's instance type is refused, naming the type and the table.
#[test]
fn cost_names_a_missing_price() {
    let ws = Workspace::new();
    let table = ws.dir.path().join("prices.toml");
    let bundled = include_str!("../../../stacks/testing/data/prices-eu-central-1.toml");
    std::fs::write(&table, bundled.replace("\"t3.small\" = 0.024\n", "")).expect("write");
    ws.tradai(&[
        "infra",
        "cost",
        "--env",
        "dev",
        "--prices",
        table.to_str().expect("utf-8"),
    ])
    .assert()
    .code(1)
    .stderr(predicates::str::contains(
        "instance type 't3.small' has no price in the table",
    ));
}

/// `infra check` passes every environment of the shipped config.
#[test]
fn checks_every_environment() {
    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "check"]);
    let text = out;
    assert_eq!(
        text.lines()
            .filter(|l| l.ends_with("resources pass every policy and semantic check"))
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

/// `tradai infra variables` lists what each binary and function reads, from their own declarations: the
/// backend needs its Cognito pool, the strategy service MLflow, the runner its job, update-nat-routes its route
/// tables; each with a default where one exists.
#[test]
fn lists_the_variables_each_binary_and_function_reads() {
    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "variables"]);
    let table: serde_json::Value = serde_json::from_str(&out).expect("json");
    let find = |group: &str, owner: &str, name: &str| {
        table[group][owner]
            .as_array()
            .and_then(|vars| vars.iter().find(|v| v["name"] == name).cloned())
            .unwrap_or_else(|| panic!("{owner} does not declare {name}: {out}"))
    };
    assert_eq!(
        find("binaries", "tradai-backend", "COGNITO_USER_POOL_ID")["required"],
        true
    );
    assert_eq!(
        find("binaries", "tradai-backend", "BACKEND_EXECUTOR")["default"],
        "sqs"
    );
    assert_eq!(
        find("binaries", "tradai-strategy", "MLFLOW_TRACKING_URI")["required"],
        true
    );
    assert_eq!(
        find("binaries", "tradai-backtest-runner", "JOB_ID")["required"],
        true
    );
    assert_eq!(
        find("functions", "update-nat-routes", "PRIVATE_ROUTE_TABLE_ID")["required"],
        true
    );
    assert_eq!(table["functions"].as_object().map(|f| f.len()), Some(18));
}

/// The planned NAT wiring runs: the compute layer's deploy-time invocation, served by update-nat-routes with
/// the planned function's route tables, points every private table at the instance of the group the
/// foundation layer plans (decision W29).
#[tokio::test]
async fn the_planned_nat_reconciliation_writes_the_private_default_route() {
    use std::sync::Arc;
    use tradai_domain::entities::Timestamp;
    use tradai_domain::ports::NatRouting;
    use tradai_lambdas::handlers::update_nat_routes::{Settings, UpdateNatRoutes};
    use tradai_lambdas::registry::Serve;

    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "plan", "--env", "dev", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&out).expect("json");
    let items = plan.as_array().expect("array");
    let find = |ty: &str, name: &str| {
        items
            .iter()
            .find(|i| i["type"] == ty && i["name"] == name)
            .unwrap_or_else(|| panic!("{ty} {name} is planned"))
    };
    let invocation = find(
        "aws:lambda/invocation:Invocation",
        "tradai-update-nat-routes-dev-trigger-0-reconcile",
    );
    let function = find(
        "aws:lambda/function:Function",
        invocation["inputs"]["functionName"]
            .as_str()
            .expect("function"),
    );
    let tables: Vec<String> = function["inputs"]["environment"]["variables"]
        ["PRIVATE_ROUTE_TABLE_ID"]
        .as_str()
        .expect("route tables")
        .split(',')
        .map(str::to_owned)
        .collect();
    let group = find("aws:autoscaling/group:Group", "tradai-nat-dev");
    let routing = Arc::new(tradai_memory::MemoryNatRouting::new());
    for table in &tables {
        routing.add_table(table, None);
    }
    routing.add_instance(
        group["inputs"]["name"].as_str().expect("group"),
        "i-0nat",
        "InService",
    );
    let input: serde_json::Value =
        serde_json::from_str(invocation["inputs"]["input"].as_str().expect("input"))
            .expect("input json");
    let handler = UpdateNatRoutes::new(
        routing.clone(),
        Settings {
            route_tables: tables.clone(),
        },
    );
    handler
        .serve(input, Timestamp::now(), "dev")
        .await
        .expect("reconciled");
    for table in &tables {
        assert_eq!(
            routing.default_route_target(table).await.expect("table"),
            Some("i-0nat".to_owned()),
            "{table}"
        );
    }
}
