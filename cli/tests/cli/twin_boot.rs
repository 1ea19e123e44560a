//! Starting `tradai twin up` for a test or the twin benchmark, and the caller's first steps: what it printed
//! before `ready`, everything it prints after, a user signed in through the planned pool and client, the
//! sample strategy put where a release puts it, backtests submitted through the planned API.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{cognito, Workspace};

/// What `twin up` printed before `ready`.
#[derive(Debug, Default)]
pub struct Banner {
    /// The emulator.
    pub endpoint: String,
    pub cognito: BTreeMap<String, String>,
    /// ECS service → (URL, pid, rest of the line).
    pub services: BTreeMap<String, (String, u32, String)>,
    /// Function → pid of its execution environment.
    pub functions: BTreeMap<String, u32>,
    /// The control endpoint (`twin fire --twin`).
    pub control: String,
    /// The planned HTTP API.
    pub gateway: String,
    /// The AWS front the twin's processes call.
    pub front: String,
}

fn read_banner(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> Banner {
    let mut b = Banner::default();
    for line in lines.by_ref() {
        let line = line.expect("line");
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["twin", "of", _, "on", url, ..] => b.endpoint = (*url).to_owned(),
            ["cognito", name, id] => {
                b.cognito.insert((*name).to_owned(), (*id).to_owned());
            }
            ["service", name, _, url, pid, rest @ ..] => {
                let pid = pid.trim_start_matches("pid=").parse().expect("pid");
                b.services
                    .insert((*name).to_owned(), ((*url).to_owned(), pid, rest.join(" ")));
            }
            ["function", name, pid, ..] => {
                let pid = pid.trim_start_matches("pid=").parse().expect("pid");
                b.functions.insert((*name).to_owned(), pid);
            }
            ["control", url, ..] => b.control = (*url).to_owned(),
            ["gateway", url, ..] => b.gateway = (*url).to_owned(),
            ["AWS", "front", url, ..] => b.front = (*url).to_owned(),
            ["ready", ..] => return b,
            _ => {}
        }
    }
    panic!("twin up stopped before it was ready: {b:?}")
}

/// A running `tradai twin up --env dev` of a workspace's config.
pub struct Booted {
    child: Option<Child>,
    pub banner: Banner,
    /// What it printed after `ready` (executions, tasks), read as it comes so the pipe never fills.
    pub output: Arc<Mutex<Vec<String>>>,
    /// How long it took to print `ready`.
    pub ready_after: Duration,
    /// Where each process's output is (`<logs>/<process>/output.log`).
    pub logs: std::path::PathBuf,
    _cwd: tempfile::TempDir,
}

/// Start the twin of `ws`'s config (on a moto it starts itself) and wait until it is ready.
pub fn boot(ws: &Workspace) -> Booted {
    let cwd = tempfile::tempdir().expect("dir");
    let started = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("tradai"))
        .current_dir(cwd.path())
        .env_remove("AWS_ENDPOINT_URL")
        .arg("--config-dir")
        .arg(ws.dir.path())
        .args(["twin", "up", "--env", "dev", "--logs"])
        .arg(cwd.path().join("logs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = read_banner(&mut lines);
    let ready_after = started.elapsed();
    let output = Arc::new(Mutex::new(Vec::new()));
    let reader = output.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            reader.lock().expect("output").push(line);
        }
    });
    Booted {
        child: Some(child),
        banner,
        output,
        ready_after,
        logs: cwd.path().join("logs"),
        _cwd: cwd,
    }
}

impl Booted {
    /// SIGTERM, as an operator stops it; how it exited.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        terminate(&mut child)
    }

    /// The output of the twin's process `name` (a service or function) so far.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.logs.join(name).join("output.log")).unwrap_or_default()
    }

    /// An access token of a new user of the planned pool in the planned group `role`, signed in through the
    /// planned public client.
    pub fn sign_in(&self, user: &str, role: &str) -> String {
        let endpoint = &self.banner.endpoint;
        let pool = &self.banner.cognito["tradai-users-dev"];
        let client = &self.banner.cognito["tradai-api-client-dev"];
        let password = "Correct-Horse-9!twin";
        cognito(
            endpoint,
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": user, "MessageAction": "SUPPRESS"}),
        );
        cognito(
            endpoint,
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": user, "GroupName": role}),
        );
        cognito(
            endpoint,
            "AdminSetUserPassword",
            json!({"UserPoolId": pool, "Username": user, "Password": password, "Permanent": true}),
        );
        let auth = cognito(
            endpoint,
            "AdminInitiateAuth",
            json!({"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": user, "PASSWORD": password}}),
        );
        auth["AuthenticationResult"]["AccessToken"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// The sample strategy put in the planned configs bucket (as a release puts it); its name.
    pub fn put_sample(&self, plan: &[Value]) -> String {
        let bucket = plan
            .iter()
            .filter(|r| r["type"] == "aws:s3/bucket:Bucket")
            .filter_map(|r| r["inputs"]["bucket"].as_str())
            .find(|b| b.contains("-configs-"))
            .expect("the planned configs bucket");
        let sample = tradai_strategy::SAMPLES[0];
        let name = serde_json::from_str::<Value>(sample).expect("sample")["name"]
            .as_str()
            .expect("name")
            .to_owned();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let endpoint = tradai_aws::Endpoint::Emulator {
                region: "eu-central-1".into(),
                url: self.banner.endpoint.clone(),
            };
            let clients = tradai_aws::Clients::connect(&endpoint).await;
            clients
                .s3
                .put_object()
                .bucket(bucket)
                .key(tradai_strategy::configs::key(&name))
                .body(sample.as_bytes().to_vec().into())
                .send()
                .await
                .expect("the sample strategy put");
        });
        name
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    child.wait().expect("wait")
}

impl Drop for Booted {
    /// A test that failed before it stopped the twin still stops it (and so every process it started).
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            terminate(child);
        }
    }
}

/// The planned graph of `ws`'s dev environment (`tradai infra plan`).
pub fn plan(ws: &Workspace) -> Vec<Value> {
    serde_json::from_str(&ws.stdout(&["infra", "plan", "--env", "dev", "--format", "json"]))
        .expect("plan")
}

/// Submit a backtest of `strategy` through the gateway; its job id.
pub async fn submit(backend: &str, token: &str, strategy: &str) -> String {
    let body = json!({"strategy": strategy, "start_date": "2024-02-01", "end_date": "2024-02-20"});
    let submitted = reqwest::Client::new()
        .post(format!("{backend}/api/v1/backtests"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(submitted.status(), 202);
    let job: Value = submitted.json().await.expect("job");
    job["job_id"].as_str().expect("job id").to_owned()
}

/// The job `id` as the backend answers it.
pub async fn job_of(backend: &str, token: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{backend}/api/v1/backtests/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("job")
}

/// Submit a backtest of `strategy` and wait (at most 90 s) until its job has ended.
pub async fn submitted_and_ended(backend: &str, token: &str, strategy: &str) -> Value {
    let id = submit(backend, token, strategy).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let job = job_of(backend, token, &id).await;
        if ["COMPLETED", "FAILED", "CANCELLED"]
            .contains(&job["status"].as_str().unwrap_or_default())
        {
            return job;
        }
        assert!(Instant::now() < deadline, "not ended within 90 s: {job}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
