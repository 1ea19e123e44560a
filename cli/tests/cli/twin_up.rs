//! `tradai twin up`: the planned graph running on an emulator the twin starts itself. Every always-on ECS
//! service of the plan passes its own planned health check, runs with exactly its task definition's
//! environment (planned ids resolved, plus the twin's declared additions), and is reached the way the
//! deployed system reaches it: through the planned HTTP API (routes, JWT authorizer, listener rules), a token
//! moto's Cognito issues for the planned pool and client is accepted, and the backend reaches the strategy
//! service by its Cloud Map name. Backtests submitted to the backend run
//! through the planned queue, trigger, functions, workflow and runner task: one for a strategy that does not
//! exist fails at validation, the sample strategy completes with its equity and report. Every planned
//! schedule fires on demand (`tradai twin fire`) and its function succeeds. SIGTERM stops every process.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::Workspace;
use crate::twin_boot::{self, boot, job_of, submit, submitted_and_ended, Booted};
use crate::twin_flows::{self, Twin};

/// `tradai twin fire <args> --twin <control>`, which must succeed; its answer.
fn fire(control: &str, args: &[&str]) -> Value {
    let out = Command::new(assert_cmd::cargo::cargo_bin("tradai"))
        .args(["twin", "fire"])
        .args(args)
        .args(["--twin", control])
        .output()
        .expect("fire");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert!(
        out.status.success(),
        "{args:?}: {answer} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    answer
}

/// A process's environment, from /proc.
fn environment(pid: u32) -> BTreeMap<String, String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
    raw.split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            String::from_utf8_lossy(e)
                .split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The live (not zombie) processes of process group `group` (each service runs in one of its own, as in a
/// container).
fn in_group(group: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid pgrp …`; comm may hold spaces, so count from its closing parenthesis.
        let after = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        let fields: Vec<&str> = after.split_whitespace().collect();
        let running = fields.first().is_some_and(|state| *state != "Z");
        if running && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(group) {
            found.push(pid);
        }
    }
    found
}

/// The planned container environment of each ECS service with a desired count, by service name.
fn planned_environments(plan: &[Value]) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let definitions: Vec<&Value> = plan
        .iter()
        .filter(|r| r["type"] == "aws:ecs/taskDefinition:TaskDefinition")
        .collect();
    let mut out = BTreeMap::new();
    for s in plan
        .iter()
        .filter(|r| r["type"] == "aws:ecs/service:Service")
    {
        let inputs = &s["inputs"];
        if inputs["desiredCount"].as_f64().unwrap_or(0.0) < 1.0 {
            continue;
        }
        let family = inputs["taskDefinition"]
            .as_str()
            .and_then(|a| a.rsplit('/').next())
            .expect("family");
        let task = definitions
            .iter()
            .find(|d| d["name"] == family)
            .expect("its task definition");
        let containers: Value = serde_json::from_str(
            task["inputs"]["containerDefinitions"]
                .as_str()
                .expect("json"),
        )
        .expect("containers");
        let container = &containers[0];
        let env = container["environment"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["name"].as_str().expect("name").to_owned(),
                    e["value"].as_str().expect("value").to_owned(),
                )
            })
            .collect();
        let image = container["image"].as_str().expect("image").to_owned();
        out.insert(
            inputs["name"].as_str().expect("name").to_owned(),
            (image, env),
        );
    }
    out
}

#[test]
fn the_planned_graph_runs_its_flows_end_to_end() {
    let ws = Workspace::new();
    let plan = twin_boot::plan(&ws);
    let planned = planned_environments(&plan);
    assert!(planned.len() >= 4, "{:?}", planned.keys());

    let booted = boot(&ws);
    eprintln!(
        "twin ready after {:?} (figures: the twin benchmark)",
        booted.ready_after
    );
    let banner = &booted.banner;
    let twin = Twin {
        endpoint: &banner.endpoint,
        front: &banner.front,
        control: &banner.control,
        plan: &plan,
        output: booted.output.clone(),
    };

    // Every planned always-on service runs and passed its own planned health check.
    let running: Vec<&String> = banner.services.keys().collect();
    assert_eq!(running, planned.keys().collect::<Vec<_>>());
    for (name, (_, _, health)) in &banner.services {
        assert!(health.starts_with("healthy ("), "{name}: {health}");
    }

    // Each of our binaries runs with exactly its planned environment: planned ids resolved to the real ones,
    // plus the twin's additions and nothing else.
    let pool = &banner.cognito["tradai-users-dev"];
    let client = &banner.cognito["tradai-api-client-dev"];
    for (name, (url, pid, _)) in &banner.services {
        let (image, planned_env) = &planned[name];
        if image.contains("/mlflow:") {
            continue;
        }
        let mut actual = environment(*pid);
        for added in [
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "TRADAI_DISCOVERY_DNS",
            "BINANCE_FUTURES_URL",
            "COGNITO_TOKEN_URL",
        ] {
            assert!(actual.remove(added).is_some(), "{name}: {added}");
        }
        let host = actual.remove("SERVICE_HOST").expect("SERVICE_HOST");
        assert!(
            url.starts_with(&format!("http://{host}:")),
            "{name}: {url} vs {host}"
        );
        assert_eq!(
            actual.keys().collect::<Vec<_>>(),
            planned_env.keys().collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(&actual["COGNITO_USER_POOL_ID"], pool, "{name}");
        assert!(
            actual["COGNITO_CLIENT_IDS"].split(',').any(|c| c == client),
            "{name}"
        );
        for (k, v) in planned_env {
            if !k.starts_with("COGNITO_") {
                assert_eq!(&actual[k], v, "{name}: {k}");
            }
        }
    }

    // A user of the planned pool signs in through the planned public client; the backend verifies the token
    // against the emulator's keys and forwards the strategy route to strategy-service.tradai.local.
    let token = booted.sign_in("quant@example.com", "trader");
    // Callers use the planned HTTP API: its routes, its JWT authorizer and the listener rules behind it.
    let backend = &banner.gateway;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (anonymous, signed_in) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let url = format!("{backend}/api/v1/strategies");
        let anonymous = http.get(&url).send().await.expect("sent").status();
        let signed_in = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        (
            anonymous,
            (signed_in.status(), signed_in.text().await.expect("body")),
        )
    });
    assert_eq!(
        anonymous, 401,
        "the planned authorizer refuses a call without a token"
    );
    assert_eq!(signed_in.0, 200, "{}", signed_in.1);
    roles_hold(&booted, backend, &token, &runtime);
    // Routes the API does not plan end at the gateway; planned ones reach the service their listener rule
    // names (the symbols route: data collection).
    let (unplanned, symbols) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let unplanned = http
            .get(format!("{backend}/api/v1/nothing"))
            .bearer_auth(&token)
            .send()
            .await;
        let symbols = http
            .get(format!("{backend}/api/v1/symbols"))
            .bearer_auth(&token)
            .send()
            .await;
        let symbols: Value = symbols.expect("sent").json().await.expect("json");
        (unplanned.expect("sent").status(), symbols)
    });
    assert_eq!(unplanned, 404);
    assert!(symbols["exchange"]["symbols"].is_array(), "{symbols}");
    assert!(
        serde_json::from_str::<Value>(&signed_in.1)
            .expect("json")
            .is_array(),
        "{}",
        signed_in.1
    );

    // A backtest submitted to the backend goes to the planned queue, whose planned trigger hands it to the
    // planned consumer function (its own process, planned environment), which starts an execution of the
    // planned state machine. The twin interprets the planned definition: validate-strategy (its own process)
    // finds no such strategy in the configs bucket, update-status records the failure, and the backend
    // answers it.
    let job = runtime.block_on(submitted_and_ended(backend, &token, "no-such-strategy"));
    assert_eq!(job["status"], "FAILED", "{job}");
    assert_eq!(job["error"]["Error"], "ValidationFailed", "{job}");
    assert!(
        job["error"]["Cause"]
            .as_str()
            .is_some_and(|c| c.contains("no strategy config 'no-such-strategy'")),
        "{job}"
    );
    let machine = plan
        .iter()
        .find(|r| {
            r["type"] == "aws:sfn/stateMachine:StateMachine"
                && r["name"].as_str().is_some_and(|n| n.contains("backtest"))
        })
        .and_then(|r| r["inputs"]["name"].as_str())
        .expect("the planned backtest workflow");
    let execution = job["execution_arn"].as_str().expect("an execution");
    assert!(
        execution.contains(&format!(":execution:{machine}:")),
        "{execution} runs {machine}"
    );
    assert!(
        banner
            .functions
            .contains_key("tradai-backtest-consumer-dev"),
        "{:?}",
        banner.functions
    );

    // The sample strategy, put where the strategy service and validate-strategy read strategies (the configs
    // bucket, as a release would put it), runs end to end: EnsureData syncs the recorded exchange pages through
    // data-collection-proxy (signed in as the planned M2M client) and the data-collection service; the runner
    // runs as the planned task definition's container; the backend serves its equity and report.
    let name = booted.put_sample(&plan);
    let job = runtime.block_on(submitted_and_ended(backend, &token, &name));
    assert_eq!(job["status"], "COMPLETED", "{job}");
    let id = job["job_id"].as_str().expect("id");
    let (equity, report) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let get = |path: String| {
            http.get(format!("{backend}/api/v1/backtests/{id}/{path}"))
                .bearer_auth(&token)
                .send()
        };
        let equity: Value = get("equity".into())
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        let report: Value = get("report-data".into())
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        (equity, report)
    });
    assert!(
        equity["equity_curve"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "{equity}"
    );
    assert!(
        report["metrics"]["candles"].as_u64().is_some_and(|n| n > 0),
        "{report}"
    );
    assert!(report["metrics"]["trade_count"].is_u64(), "{report}");

    // A hyperopt sweep of the sample runs through the planned hyperopt workflow and its distributed Map.
    runtime.block_on(crate::twin_sweep::a_sweep_runs_through_the_distributed_map(
        &twin, backend, &token, &name,
    ));

    // A runner killed mid-run fails its job with the task's exit code; nothing is left RUNNING.
    twin_flows::a_crashed_runner_fails_its_job(
        &twin,
        || runtime.block_on(submit(backend, &token, &name)),
        |id| runtime.block_on(job_of(backend, &token, id)),
    );

    // The strategy's model, registered in the planned MLflow service: the retraining schedule evaluates it.
    let mlflow = banner
        .services
        .iter()
        .find(|(n, _)| n.contains("mlflow"))
        .map(|(_, (url, _, _))| url.clone())
        .expect("the MLflow service");
    runtime.block_on(async {
        let created = reqwest::Client::new()
            .post(format!("{mlflow}/api/2.0/mlflow/registered-models/create"))
            .json(&json!({"name": name}))
            .send()
            .await
            .expect("sent");
        assert!(created.status().is_success(), "{}", created.status());
    });

    // A dry-run session whose heartbeats stopped 10 minutes ago: the heartbeat schedule must find it.
    twin_flows::a_session_with_a_stale_heartbeat(&twin, &name);
    // Jobs a crash left PENDING and RUNNING: the job sweeper's schedule must fail them with their reasons.
    twin_flows::jobs_a_crash_left_behind(&twin, &name);

    // Every planned schedule fires on demand: its function runs in its own process and answers success
    // (health of the four services, no stale heartbeat, no orphan, no drift to act on, the stacks' state).
    let schedules: Vec<&str> = plan
        .iter()
        .filter(|r| {
            r["type"] == "aws:cloudwatch/eventRule:EventRule"
                && r["inputs"]["scheduleExpression"].is_string()
        })
        .filter_map(|r| r["inputs"]["name"].as_str())
        .collect();
    assert!(schedules.len() >= 6, "{schedules:?}");
    for rule in &schedules {
        let answer = fire(&banner.control, &[rule]);
        assert_eq!(
            answer["targets"][0]["outcome"]["response"]["statusCode"], 200,
            "{rule}: {answer}"
        );
        twin_flows::its_effects(&twin, &answer, &name);
    }
    // The severe-drift alarm's planned actions: the alerts topic gets CloudWatch's notification, and
    // model-rollback (allowed by its planned permission) gets the alarm event; no model drifted, so it rolls
    // nothing back.
    let answer = fire(
        &banner.control,
        &["--alarm", "tradai-dev-drift-significant"],
    );
    let actions = answer["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 2, "{answer}");
    assert!(actions[0]["outcome"]["published"].is_string(), "{answer}");
    assert_eq!(
        actions[1]["outcome"]["function"], "tradai-model-rollback-dev",
        "{answer}"
    );
    assert_eq!(
        actions[1]["outcome"]["outcome"]["response"]["statusCode"], 200,
        "{answer}"
    );
    twin_flows::a_poison_message_ends_in_the_dead_letter_queue(&twin);
    twin_flows::the_planned_policies_hold_every_call(&twin);
    let health = Command::new(assert_cmd::cargo::cargo_bin("tradai"))
        .args(["twin", "fire", "no-such-rule", "--twin", &banner.control])
        .output()
        .expect("fire");
    let refusal = String::from_utf8_lossy(&health.stderr);
    assert!(
        !health.status.success() && refusal.contains("the planned rules:"),
        "{refusal}"
    );

    // SIGTERM stops the twin and every process it started.
    let (services, functions) = (banner.services.clone(), banner.functions.clone());
    drop(twin);
    let exit = booted.stop();
    assert!(exit.success(), "{exit}");
    let pids = services
        .iter()
        .map(|(n, (_, pid, _))| (n, pid))
        .chain(functions.iter());
    for (name, pid) in pids {
        let group = in_group(*pid);
        assert!(
            group.is_empty(),
            "{name} (process group {pid}) still runs: {group:?}"
        );
    }
}

/// The planned roles through the planned API: a viewer reads but may not submit, a trader may not start live
/// trading (the development user did), and nobody can sign themselves up to the planned pool.
fn roles_hold(booted: &Booted, backend: &str, trader: &str, runtime: &tokio::runtime::Runtime) {
    let viewer = booted.sign_in("viewer@example.com", "viewer");
    let (read, submit, live) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let read = http
            .get(format!("{backend}/api/v1/backtests"))
            .bearer_auth(&viewer)
            .send()
            .await
            .expect("sent")
            .status();
        let answer = |r: reqwest::Response| async move {
            (r.status().as_u16(), r.json::<Value>().await.expect("json"))
        };
        let submit = http
            .post(format!("{backend}/api/v1/backtests"))
            .bearer_auth(&viewer)
            .json(&json!({}))
            .send()
            .await
            .expect("sent");
        let live = http
            .post(format!("{backend}/api/v1/strategies/sma-crossover/run"))
            .bearer_auth(trader)
            .json(&json!({"mode": "live"}))
            .send()
            .await
            .expect("sent");
        (read, answer(submit).await, answer(live).await)
    });
    assert_eq!(read, 200);
    assert_eq!(submit.0, 403, "{}", submit.1);
    assert_eq!(
        submit.1["details"]["required_permission"],
        "backtests.submit"
    );
    assert_eq!(submit.1["details"]["your_roles"], json!(["viewer"]));
    assert_eq!(live.0, 403, "{}", live.1);
    assert_eq!(live.1["details"]["required_permission"], "trading.live");
    let client = &booted.banner.cognito["tradai-api-client-dev"];
    let (status, answer) = crate::helpers::aws_json(
        &booted.banner.endpoint,
        "cognito-idp",
        "AWSCognitoIdentityProviderService.SignUp",
        "test",
        json!({"ClientId": client, "Username": "mallory@example.com", "Password": "Correct-Horse-9!twin"}),
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["__type"], "NotAuthorizedException", "{answer}");
}
