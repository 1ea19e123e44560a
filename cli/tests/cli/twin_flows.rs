//! The twin's flows beyond the happy path, each through the planned graph: a runner task that crashes fails
//! its job with the exit code; a poison message is received three times (the planned visibility timeout,
//! played out on the emulator's SQS clock) and then kept in the dead-letter queue; a call the caller's planned
//! role does not allow is refused as AWS refuses it; retraining started by its schedule trains, compares and
//! promotes or keeps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::aws_json;

/// The running twin as a test sees it.
pub struct Twin<'a> {
    /// The emulator (the operator's calls, unchecked).
    pub endpoint: &'a str,
    /// The AWS front the twin's processes call.
    pub front: &'a str,
    pub control: &'a str,
    pub plan: &'a [Value],
    /// What the twin printed after `ready`.
    pub output: Arc<Mutex<Vec<String>>>,
}

impl Twin<'_> {
    /// The first line the twin printed (after `ready`) that `matches`, waiting at most `seconds`.
    pub fn line(&self, matches: impl Fn(&str) -> bool, seconds: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let found = self
                .output
                .lock()
                .expect("output")
                .iter()
                .find(|l| matches(l))
                .cloned();
            if let Some(line) = found {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no such line within {seconds} s: {:?}",
                self.output.lock().expect("output")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn control(&self, method: reqwest::Method, path: &str) -> Value {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let answer = reqwest::Client::new()
                .request(method, format!("{}{path}", self.control))
                .send()
                .await
                .expect("sent");
            assert!(answer.status().is_success(), "{path}: {}", answer.status());
            answer.json().await.expect("json")
        })
    }

    /// The planned input `field` of the resource of `ty` whose `name` input contains `part`.
    fn planned(&self, ty: &str, part: &str) -> &Value {
        &self
            .plan
            .iter()
            .find(|r| {
                r["type"] == ty
                    && r["inputs"]["name"]
                        .as_str()
                        .is_some_and(|n| n.contains(part))
            })
            .unwrap_or_else(|| panic!("no planned {ty} named *{part}*"))["inputs"]
    }

    /// The planned name of the table whose name contains `part`.
    fn table(&self, part: &str) -> String {
        self.planned("aws:dynamodb/table:Table", part)["name"]
            .as_str()
            .expect("a table name")
            .to_owned()
    }

    /// One call to the emulator as the operator (not held to any role).
    fn emulator(&self, service: &str, target: &str, body: Value) -> (u16, Value) {
        aws_json(self.endpoint, service, target, "test", body)
    }

    fn queue_url(&self, name: &str) -> String {
        let (status, answer) =
            self.emulator("sqs", "AmazonSQS.GetQueueUrl", json!({"QueueName": name}));
        assert_eq!(status, 200, "{answer}");
        answer["QueueUrl"].as_str().expect("url").to_owned()
    }

    fn depth(&self, url: &str) -> (u64, u64) {
        let (_, answer) = self.emulator("sqs", "AmazonSQS.GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]}));
        let count = |k: &str| {
            answer["Attributes"][k]
                .as_str()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (
            count("ApproximateNumberOfMessages"),
            count("ApproximateNumberOfMessagesNotVisible"),
        )
    }
}

/// A runner task killed mid-run (SIGKILL, as an out-of-memory kill or a lost Spot instance ends it) stops on
/// the emulator, and the workflow fails the job with the task's exit code as its cause.
pub fn a_crashed_runner_fails_its_job(
    twin: &Twin<'_>,
    submit: impl FnOnce() -> String,
    job: impl Fn(&str) -> Value,
) {
    let known: Vec<String> = twin
        .control(reqwest::Method::GET, "/tasks")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["arn"].as_str().map(str::to_owned))
        .collect();
    let id = submit();
    let deadline = Instant::now() + Duration::from_secs(60);
    let task = loop {
        let tasks = twin.control(reqwest::Method::GET, "/tasks");
        let new = tasks.as_array().into_iter().flatten().find(|t| {
            t["exit"].is_null() && !known.iter().any(|k| Some(k.as_str()) == t["arn"].as_str())
        });
        if let Some(task) = new {
            break task.clone();
        }
        assert!(Instant::now() < deadline, "no runner task started: {tasks}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let pid = task["pid"].as_u64().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .status()
        .expect("kill");
    assert!(killed.success());
    let arn = task["arn"].as_str().expect("arn");
    twin.line(|l| l.contains(arn) && l.contains("exited with 137"), 30);
    let deadline = Instant::now() + Duration::from_secs(60);
    let ended = loop {
        let j = job(&id);
        if j["status"] != "PENDING" && j["status"] != "RUNNING" {
            break j;
        }
        assert!(Instant::now() < deadline, "the job did not end: {j}");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(ended["status"], "FAILED", "{ended}");
    assert_eq!(ended["error"]["Error"], "States.TaskFailed", "{ended}");
    assert!(
        ended["error"]["Cause"]
            .as_str()
            .is_some_and(|c| c.contains("\"ExitCode\":137")),
        "{ended}"
    );
    // ECS, as the emulator answers it, has the task stopped with its exit code.
    let (_, described) = twin.emulator(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.DescribeTasks",
        json!({"cluster": arn.split('/').nth(1).expect("cluster"), "tasks": [arn]}),
    );
    assert_eq!(
        described["tasks"][0]["lastStatus"], "STOPPED",
        "{described}"
    );
    assert!(
        described["tasks"][0]["stoppedReason"]
            .as_str()
            .is_some_and(|r| r.contains("137")),
        "{described}"
    );
}

/// A message the backtest consumer cannot read fails each delivery; after the planned receive count it is in
/// the planned dead-letter queue, intact: nothing is lost, nothing loops.
pub fn a_poison_message_ends_in_the_dead_letter_queue(twin: &Twin<'_>) {
    let queue = twin.planned("aws:sqs/queue:Queue", "tradai-backtest-dev");
    let redrive: Value =
        serde_json::from_str(queue["redrivePolicy"].as_str().expect("a redrive policy"))
            .expect("json");
    let receives = redrive["maxReceiveCount"]
        .as_u64()
        .expect("maxReceiveCount");
    let visibility = queue["visibilityTimeoutSeconds"]
        .as_f64()
        .expect("visibility") as u64;
    let dlq_name = redrive["deadLetterTargetArn"]
        .as_str()
        .and_then(|a| a.rsplit(':').next())
        .expect("dlq")
        .to_owned();
    let url = twin.queue_url(queue["name"].as_str().expect("name"));
    let dlq = twin.queue_url(&dlq_name);
    let body = "{not a backtest request";
    let (status, sent) = twin.emulator("sqs", "AmazonSQS.SendMessage", json!({"QueueUrl": url, "MessageBody": body, "MessageGroupId": "poison", "MessageDeduplicationId": "poison-1"}));
    assert_eq!(status, 200, "{sent}");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut advanced = 0;
    while twin.depth(&dlq).0 == 0 {
        assert!(
            Instant::now() < deadline,
            "not in {dlq_name} after {advanced} visibility timeouts"
        );
        // Let the planned trigger receive it and the consumer fail it, then let the timeout pass.
        std::thread::sleep(Duration::from_millis(1500));
        twin.control(
            reqwest::Method::POST,
            &format!("/clock?advance={}", visibility + 1),
        );
        advanced += 1;
    }
    assert!(
        advanced >= receives,
        "moved after {advanced} timeouts, {receives} receives planned"
    );
    assert_eq!(twin.depth(&url), (0, 0), "the source queue still holds it");
    let (_, kept) = twin.emulator(
        "sqs",
        "AmazonSQS.ReceiveMessage",
        json!({"QueueUrl": dlq, "AttributeNames": ["ApproximateReceiveCount"]}),
    );
    assert_eq!(kept["Messages"][0]["Body"], body, "{kept}");
}

/// Every call of the run was held to its caller's planned role, and none was refused; a call the role does
/// not allow is refused as AWS refuses it, and recorded.
pub fn the_planned_policies_hold_every_call(twin: &Twin<'_>) {
    let ledger = twin.control(reqwest::Method::GET, "/iam");
    assert_eq!(ledger["denied"], json!([]), "{ledger}");
    assert!(
        ledger["checked"].as_u64().is_some_and(|n| n > 50),
        "{ledger}"
    );
    let consumer = twin.planned("aws:lambda/function:Function", "backtest-consumer")["role"]
        .as_str()
        .and_then(|a| a.rsplit('/').next())
        .expect("role")
        .to_owned();
    let used = &ledger["used"][&consumer];
    assert!(
        used.as_array()
            .is_some_and(|a| a.contains(&json!("states:StartExecution"))),
        "{ledger}"
    );
    // The consumer's role may start the workflow, not delete the jobs table.
    let table = twin.table("workflow-state");
    let (status, refused) = aws_json(
        twin.front,
        "dynamodb",
        "DynamoDB_20120810.DeleteTable",
        &consumer,
        json!({"TableName": table}),
    );
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["__type"], "AccessDeniedException", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("dynamodb:DeleteTable")),
        "{refused}"
    );
    let ledger = twin.control(reqwest::Method::GET, "/iam");
    assert_eq!(
        ledger["denied"][0]["action"], "dynamodb:DeleteTable",
        "{ledger}"
    );
    let (status, _) = twin.emulator(
        "dynamodb",
        "DynamoDB_20120810.DescribeTable",
        json!({"TableName": table}),
    );
    assert_eq!(status, 200, "the refused call never reached the emulator");
}

/// The retraining schedule's answer for a registered model: the workflow it started runs the training task,
/// compares the challenger with the champion and promotes or keeps it, and records the run.
pub fn retraining_started_by_its_schedule_promotes_or_keeps(
    twin: &Twin<'_>,
    answer: &Value,
    model: &str,
) {
    let data = &answer["targets"][0]["outcome"]["response"]["body"]["data"];
    assert_eq!(data["retraining_triggered"], 1, "{answer}");
    let execution = data["results"][0]["execution_arn"]
        .as_str()
        .expect("an execution")
        .to_owned();
    let done = twin.line(
        |l| l.contains(&execution) && (l.contains(" SUCCEEDED ") || l.contains(" FAILED ")),
        180,
    );
    assert!(done.contains(" SUCCEEDED via "), "{done}");
    assert!(
        done.contains("RunRetraining") && done.contains("CompareModels"),
        "{done}"
    );
    assert!(
        done.contains("PromoteModel") || done.contains("KeepCurrentModel"),
        "{done}"
    );
    let table = twin.table("retraining-state");
    let (_, row) = twin.emulator(
        "dynamodb",
        "DynamoDB_20120810.GetItem",
        json!({"TableName": table, "Key": {"model_name": {"S": model}}}),
    );
    assert_eq!(row["Item"]["status"]["S"], "completed", "{row}");
    assert!(
        row["Item"]["last_execution"]["S"]
            .as_str()
            .is_some_and(|e| execution.ends_with(e) || e == execution),
        "{row}"
    );
}

/// A dry-run trading session of `strategy` whose last heartbeat was 10 minutes ago, put in the planned
/// trading-state table as the trading container would have left it.
pub fn a_session_with_a_stale_heartbeat(twin: &Twin<'_>, strategy: &str) {
    use tradai_domain::entities::{Timestamp, TradingMode, TradingSession};
    let table = twin.table("trading-state");
    let stale = Timestamp::now().plus_seconds(-600);
    let session = TradingSession {
        strategy_id: strategy.to_owned(),
        status: tradai_domain::TradingStatus::Running,
        mode: TradingMode::DryRun,
        last_heartbeat: Some(stale),
        task_arn: None,
        model_version: None,
        updated_at: stale,
    };
    let item: serde_json::Map<String, Value> = serde_json::to_value(&session)
        .expect("json")
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                json!({"S": v.as_str().expect("a string attribute")}),
            )
        })
        .collect();
    let (status, answer) = twin.emulator(
        "dynamodb",
        "DynamoDB_20120810.PutItem",
        json!({"TableName": table, "Item": item}),
    );
    assert_eq!(status, 200, "{answer}");
}

/// `value` as DynamoDB's typed JSON.
fn typed(value: &Value) -> Value {
    match value {
        Value::String(s) => json!({ "S": s }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Null => json!({ "NULL": true }),
        Value::Array(items) => json!({ "L": items.iter().map(typed).collect::<Vec<_>>() }),
        Value::Object(map) => {
            json!({ "M": map.iter().map(|(k, v)| (k.clone(), typed(v))).collect::<serde_json::Map<_, _>>() })
        }
    }
}

/// Jobs a crash left behind, written straight to the planned jobs table: one PENDING for 30 minutes after
/// it was handed to an execution that never ran it, one RUNNING whose runner stopped renewing its lease 10
/// minutes ago. The job sweeper's schedule must fail both, each with its reason.
pub fn jobs_a_crash_left_behind(twin: &Twin<'_>, strategy: &str) {
    let table = twin.table("workflow-state");
    let now = chrono::Utc::now();
    let ago = |minutes: i64| (now - chrono::Duration::minutes(minutes)).to_rfc3339();
    let config =
        json!({"strategy": strategy, "start_date": "2024-01-01", "end_date": "2024-01-31"});
    let handed = json!({"job_id": "crash-left-pending", "trace_id": "crash-left", "status": "pending",
        "config": config, "created_at": ago(30), "updated_at": ago(30),
        "execution_arn": "arn:aws:states:eu-central-1:000000000000:execution:gone:crash-left-pending"});
    let lost = json!({"job_id": "crash-left-running", "trace_id": "crash-left", "status": "running",
        "config": config, "created_at": ago(30), "updated_at": ago(20), "started_at": ago(20),
        "attempt_id": "a-runner-that-died", "lease_until": now.timestamp() - 600});
    for job in [handed, lost] {
        let (status, answer) = twin.emulator(
            "dynamodb",
            "DynamoDB_20120810.PutItem",
            json!({"TableName": table, "Item": typed(&job)["M"]}),
        );
        assert_eq!(status, 200, "{answer}");
    }
}

/// What each planned schedule's function did, checked by what it answers: the retraining schedule's
/// workflow runs to promote or keep, health-check finds every planned service healthy, the heartbeat check
/// finds the stale session and alerts, the drift monitor checks the monitored model, the orphan scanner finds
/// no orphan among the stopped tasks, and the infra drift detector reports the layers no check covered.
pub fn its_effects(twin: &Twin<'_>, answer: &Value, strategy: &str) {
    let function = answer["targets"][0]["function"]
        .as_str()
        .unwrap_or_default();
    let data = &answer["targets"][0]["outcome"]["response"]["body"]["data"];
    let key = function
        .strip_prefix("tradai-")
        .and_then(|f| f.strip_suffix("-dev"))
        .unwrap_or(function);
    match key {
        "retraining-scheduler" => {
            retraining_started_by_its_schedule_promotes_or_keeps(twin, answer, strategy)
        }
        "health-check" => {
            assert_eq!(
                (data["checked"].as_u64(), data["unhealthy"].as_u64()),
                (Some(4), Some(0)),
                "{answer}"
            );
        }
        "trading-heartbeat-check" => {
            assert_eq!(data["stale"], 1, "{answer}");
            assert_eq!(data["sessions"][0]["strategy_id"], strategy, "{answer}");
            // The planned threshold is two consecutive stale checks: the next tick alerts.
            let rule = answer["rule"].as_str().expect("rule");
            let again = twin.control(reqwest::Method::POST, &format!("/rules/{rule}"));
            let data = &again["targets"][0]["outcome"]["response"]["body"]["data"];
            assert_eq!(data["sessions"][0]["consecutive_failures"], 2, "{again}");
            assert_eq!(data["alerts_sent"], 1, "{again}");
        }
        "drift-monitor" => {
            assert_eq!(data["models_checked"], 1, "{answer}");
            assert_eq!(data["results"][0]["model_name"], strategy, "{answer}");
        }
        "orphan-scanner" => {
            assert_eq!(
                (data["dry_run"].clone(), data["orphans"].clone()),
                (json!(true), json!([])),
                "{answer}"
            );
        }
        "job-sweeper" => {
            let mut swept: Vec<(&str, &str, &str)> = data["jobs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|j| {
                    j["job_id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with("crash-left"))
                })
                .map(|j| {
                    (
                        j["job_id"].as_str().unwrap_or_default(),
                        j["action"].as_str().unwrap_or_default(),
                        j["reason"].as_str().unwrap_or_default(),
                    )
                })
                .collect();
            swept.sort_unstable();
            assert_eq!(
                swept,
                [
                    ("crash-left-pending", "failed", "Stuck"),
                    ("crash-left-running", "failed", "RunnerLost"),
                ],
                "{answer}"
            );
            let (_, stored) = twin.emulator(
                "dynamodb",
                "DynamoDB_20120810.GetItem",
                json!({"TableName": twin.table("workflow-state"), "Key": {"job_id": {"S": "crash-left-running"}}}),
            );
            assert_eq!(stored["Item"]["status"]["S"], "failed", "{stored}");
            assert_eq!(
                stored["Item"]["error"]["M"]["Error"]["S"], "RunnerLost",
                "{stored}"
            );
        }
        "pulumi-drift-detector" => {
            assert_eq!(data["stale"].as_array().map(Vec::len), Some(4), "{answer}");
        }
        other => panic!("a planned schedule of {other}, which this test does not know: {answer}"),
    }
}
