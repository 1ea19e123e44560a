//! Defects of the deployment-semantics class, reintroduced into a copy of the config, each caught by a twin
//! run as it would show in AWS: a route no listener rule reaches, a function missing a variable it needs, and
//! an action a role is not granted. Each boots the twin of the changed config and does the one thing that
//! shows the defect.

use serde_json::Value;

use crate::helpers::Workspace;
use crate::twin_boot::{self, boot};

/// A copy of the shipped config with `from` replaced by `to` in base.toml (which must contain it).
fn changed(from: &str, to: &str) -> Workspace {
    let ws = Workspace::new();
    let base = ws.read("base");
    assert!(base.contains(from), "base.toml has no {from:?}");
    std::fs::write(ws.file("base"), base.replacen(from, to, 1)).expect("write");
    ws
}

/// The symbols routes left out of data collection's listener rules: the request falls to the backend's
/// catch-all rule, which has no such route, so the user gets a 404 where the deployed API promised symbols.
#[test]
fn a_route_no_rule_reaches_is_a_404_through_the_twin() {
    let ws = changed(
        r#"alb_paths = ["/api/v1/ohlcv*", "/api/v1/symbols*", "#,
        r#"alb_paths = ["/api/v1/ohlcv*", "#,
    );
    let twin = boot(&ws);
    let token = twin.sign_in("route@example.com", "trader");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/api/v1/symbols", twin.banner.gateway))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent")
            .status()
    });
    assert_eq!(status, 404);
    assert!(twin.stop().success());
}

/// retraining-scheduler deployed without the state machine it starts: its schedule's first tick fails at the
/// function's start (`Runtime.ExitError`), and the function's log names the variable.
#[test]
fn a_missing_variable_fails_the_function_that_needs_it() {
    let ws = changed("STATE_MACHINE_ARN = \"${workflow-arn:retraining}\"\n", "");
    let twin = boot(&ws);
    let rule = "tradai-retraining-scheduler-dev-trigger-0";
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("tradai"))
        .args(["twin", "fire", rule, "--twin", &twin.banner.control])
        .output()
        .expect("fire");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(!out.status.success(), "{answer}");
    // As in Lambda: the invocation fails with the runtime's exit, and the function's log says why.
    assert_eq!(
        answer["targets"][0]["outcome"]["error"], "Runtime.ExitError",
        "{answer}"
    );
    let log = twin.log("tradai-retraining-scheduler-dev");
    assert!(log.contains("STATE_MACHINE_ARN is not set"), "{log}");
    assert!(twin.stop().success());
}

/// validate-strategy deployed without the variable that grants its role the configs bucket: its reads are
/// refused as AWS refuses them, so every backtest fails validation, and the refusal is in the twin's ledger.
#[test]
fn a_denied_action_fails_the_flow_that_needs_it() {
    let ws = changed("CONFIGS_BUCKET = \"${bucket:configs}\"\n", "");
    let plan = twin_boot::plan(&ws);
    let twin = boot(&ws);
    let token = twin.sign_in("denied@example.com", "trader");
    let name = twin.put_sample(&plan);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let job = runtime.block_on(twin_boot::submitted_and_ended(
        &twin.banner.gateway,
        &token,
        &name,
    ));
    assert_eq!(job["status"], "FAILED", "{job}");
    assert!(
        job["error"]["Cause"]
            .as_str()
            .is_some_and(|c| c.contains("AccessDenied")),
        "{job}"
    );
    let ledger: Value = runtime.block_on(async {
        reqwest::get(format!("{}/iam", twin.banner.control))
            .await
            .expect("sent")
            .json()
            .await
            .expect("json")
    });
    assert_eq!(ledger["denied"][0]["action"], "s3:GetObject", "{ledger}");
    assert_eq!(
        ledger["denied"][0]["role"], "tradai-validate-strategy-role-dev",
        "{ledger}"
    );
    assert!(twin.stop().success());
}
