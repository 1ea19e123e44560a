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
    assert_eq!(table["functions"].as_object().map(|f| f.len()), Some(19));
}

/// Every resource of dev's planned graph (`tradai infra plan --format json`).
fn planned_dev() -> Vec<serde_json::Value> {
    let ws = Workspace::new();
    let out = ws.stdout(&["infra", "plan", "--env", "dev", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&out).expect("json");
    plan.as_array().expect("array").clone()
}

/// The planned resource of type `ty` named `name`.
fn planned<'a>(items: &'a [serde_json::Value], ty: &str, name: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|i| i["type"] == ty && i["name"] == name)
        .unwrap_or_else(|| panic!("{ty} {name} is planned"))
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

    let items = planned_dev();
    let find = |ty: &str, name: &str| planned(&items, ty, name);
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

/// The planned drift wiring runs: the edge layer's severe-drift alarm acts on the function the compute layer
/// plans for it, whose drift-state table is the one the persistent layer plans; that function, served the
/// alarm's event as CloudWatch sends it, rolls back the model whose drift row is significant (decision W34).
#[tokio::test]
async fn the_planned_drift_alarm_rolls_back_the_significantly_drifted_model() {
    use std::collections::BTreeMap;
    use tradai_domain::entities::{DriftRecord, DriftSeverity, Timestamp};
    use tradai_domain::ports::{NewRun, NewVersion, Order};
    use tradai_domain::ModelStage;
    use tradai_lambdas::handlers::model_rollback::ModelRollback;
    use tradai_lambdas::registry::Serve;

    let items = planned_dev();
    let alarm = planned(
        &items,
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "tradai-dev-drift-significant",
    );
    let actions: Vec<&str> = alarm["inputs"]["alarmActions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a.as_str())
        .filter(|a| a.contains(":lambda:"))
        .collect();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let function_name = actions[0].rsplit(['/', ':']).next().expect("name");
    let function = planned(&items, "aws:lambda/function:Function", function_name);
    let variables = &function["inputs"]["environment"]["variables"];
    assert_eq!(variables["TRADAI_HANDLER"], "model-rollback");
    let drift_table = planned(
        &items,
        "aws:dynamodb/table:Table",
        variables["DRIFT_STATE_TABLE"]
            .as_str()
            .expect("drift table"),
    );
    assert_eq!(drift_table["stack"], "persistent-dev");

    let config = tradai_config::Loader::embedded()
        .without_env_vars()
        .load(tradai_config::Environment::Dev)
        .expect("valid");
    let ports = tradai_platform::Ports::memory(&config).expect("ports");
    let run = ports
        .registry
        .log_run(NewRun {
            experiment_name: "e".into(),
            ..NewRun::default()
        })
        .await
        .expect("run");
    for stage in [ModelStage::Archived, ModelStage::Production] {
        let version = ports
            .registry
            .register(NewVersion {
                model_name: "M".into(),
                source: "s3://m".into(),
                run_id: Some(run.run_id.clone()),
                tags: BTreeMap::new(),
            })
            .await
            .expect("register");
        ports
            .registry
            .set_stage("M", &version.version, stage)
            .await
            .expect("stage");
    }
    let now = Timestamp::now();
    ports
        .drift
        .put(&DriftRecord {
            model_name: "M".into(),
            checked_at: now,
            overall_psi: 0.4,
            severity: DriftSeverity::Significant,
            metric_drifts: Vec::new(),
            requires_attention: true,
        })
        .await
        .expect("drift row");
    let handler = ModelRollback::new(&ports, ports.rollbacks.clone(), ports.notifier.clone(), 24);
    let name = alarm["inputs"]["name"].as_str().expect("alarm name");
    let event = serde_json::json!({
        "source": "aws.cloudwatch",
        "alarmArn": format!("arn:aws:cloudwatch:eu-central-1:123456789012:alarm:{name}"),
        "time": "2026-11-30T06:00:00.000+0000",
        "alarmData": {
            "alarmName": name,
            "state": {"value": "ALARM", "reason": "Threshold Crossed", "timestamp": "2026-11-30T06:00:00.000+0000"},
            "configuration": {"metrics": []}
        }
    });
    let answer = handler.serve(event, now, "dev").await.expect("served");
    let rollbacks = &answer["body"]["data"]["rollbacks"];
    assert_eq!(rollbacks[0]["model_name"], "M", "{answer}");
    assert_eq!(rollbacks[0]["reason"], "DRIFT_SEVERE", "{answer}");
    let recorded = ports
        .rollbacks
        .query("M", Order::NewestFirst, 1)
        .await
        .expect("records");
    assert_eq!(recorded[0].alarm_name.as_deref(), Some(name));
}

/// Every planned function starts: the `tradai-lambda` runtime, given exactly the planned function's
/// environment (its handler, the embedded config of its environment, its settings), gets past its cold start.
/// data-collection-proxy reads its machine client's secret at start; the persistent layer creates that secret
/// without a value, so until an operator puts one the start stops naming the secret and the command that puts it.
#[tokio::test(flavor = "multi_thread")]
async fn every_planned_function_starts_with_its_planned_environment() {
    use std::collections::BTreeMap;
    use tradai_lambdas::runtime::App;

    let items = planned_dev();
    let functions: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| i["type"] == "aws:lambda/function:Function")
        .collect();
    assert_eq!(functions.len(), 19);
    for function in functions {
        let name = function["name"].as_str().expect("name");
        let variables: BTreeMap<String, String> = function["inputs"]["environment"]["variables"]
            .as_object()
            .expect("planned variables")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("text value").to_owned()))
            .collect();
        let handler = variables["TRADAI_HANDLER"].clone();
        let started = App::start(&handler, Box::new(move |n| variables.get(n).cloned())).await;
        match (handler.as_str(), started) {
            ("data-collection-proxy", Err(e)) => assert!(
                e.0.starts_with("M2M_CLIENT_SECRET_ARN=") && e.0.contains("put-secret-value"),
                "{name}: {e}"
            ),
            ("data-collection-proxy", Ok(_)) => panic!("{name} started without its secret's value"),
            (_, started) => {
                started.unwrap_or_else(|e| panic!("{name} does not start as planned: {e}"));
            }
        }
    }
}
