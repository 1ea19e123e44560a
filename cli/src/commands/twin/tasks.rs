//! ECS tasks in the twin. A `RunTask` (a process's, through the AWS front, or a workflow's `ecs:runTask.sync`)
//! is made on the emulator, which gives each task its ARN and lists it as ECS does (`ListTasks`,
//! `DescribeTasks`, `StopTask` by the orphan scanner and the clean-up); each task it started then runs as a
//! process of its task definition's container with the call's container overrides. When the process exits the
//! task is stopped on the emulator with the exit code in its reason, and a `.sync` caller gets the code.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::os::unix::process::ExitStatusExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::compute;
use super::plane::Plane;
use super::processes::{self, Program};

/// ECS's target prefix (JSON protocol 1.1).
const ECS_TARGET: &str = "AmazonEC2ContainerServiceV20141113";

/// An ECS error answer: HTTP status and body.
pub type Failed = (u16, Value);

/// A task the twin runs.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub arn: String,
    pub family: String,
    pub pid: u32,
    /// `None` while it runs.
    pub exit: Option<i32>,
}

#[derive(Debug)]
struct Task {
    listed: Listed,
    exit: watch::Receiver<Option<i32>>,
}

/// The tasks started in this twin.
#[derive(Debug, Default)]
pub struct Tasks {
    http: reqwest::Client,
    tasks: Mutex<BTreeMap<String, Task>>,
}

/// One ECS API call to the emulator. The request carries a credential scope only for the region: the emulator
/// checks no signature.
pub async fn ecs(
    http: &reqwest::Client,
    endpoint: &str,
    region: &str,
    operation: &str,
    body: &Value,
) -> Result<Value, Failed> {
    let scope = format!(
        "AWS4-HMAC-SHA256 Credential=twin/20260101/{region}/ecs/aws4_request, SignedHeaders=host, Signature=0"
    );
    let answer = http
        .post(endpoint)
        .header("x-amz-target", format!("{ECS_TARGET}.{operation}"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("authorization", scope)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| (503, json!({"__type": "ServerException", "message": e.to_string()})))?;
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap_or_default();
    let value: Value = serde_json::from_str(&text).unwrap_or(json!({"message": text}));
    if status == 200 {
        Ok(value)
    } else {
        Err((status, value))
    }
}

/// The exit code of a process, as ECS reports it (128 + the signal for a killed one).
fn exit_code(status: std::process::ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}

/// The environment overrides of `request`'s container overrides (API form) for `container`.
fn overrides(request: &Value, container: &str) -> Vec<(String, String)> {
    request["overrides"]["containerOverrides"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["name"].is_null() || o["name"] == container)
        .flat_map(|o| o["environment"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| Some((v["name"].as_str()?.to_owned(), v["value"].as_str()?.to_owned())))
        .collect()
}

impl Tasks {
    /// Run `request` (a `RunTask` body) on the emulator and each task it started as a process; the emulator's
    /// answer.
    pub async fn run(self: &Arc<Self>, plane: &Arc<Plane>, request: &Value) -> Result<Value, Failed> {
        let reference = request["taskDefinition"].as_str().unwrap_or_default();
        let invalid = |message: String| (400, json!({"__type": "ClientException", "message": message}));
        let task = compute::task(&plane.graph, reference).map_err(invalid)?;
        let binary = plane.catalog.binary(&task.repository).ok_or_else(|| {
            invalid(format!(
                "the image {} of {reference} is not a binary of this workspace",
                task.repository
            ))
        })?;
        let endpoint = plane.clients.sdk.endpoint_url().unwrap_or_default().to_owned();
        let answer = ecs(&self.http, &endpoint, &plane.region, "RunTask", request).await?;
        let mut env = processes::resolved(&task.environment, &plane.ids);
        env.extend(overrides(request, &task.container));
        env.extend(processes::additions(&plane.cx, None, task.role.as_deref()));
        let cluster = request["cluster"].as_str().unwrap_or("default").to_owned();
        for started in answer["tasks"].as_array().into_iter().flatten() {
            let Some(arn) = started["taskArn"].as_str() else {
                continue;
            };
            let mut named = task.clone();
            let id = arn.rsplit('/').next().unwrap_or(arn);
            named.name = format!("{}-task-{}", task.name, &id[..id.len().min(8)]);
            let program = Program::Binary(binary.clone());
            let running = processes::start(&named, &program, &env, Ipv4Addr::LOCALHOST, &plane.cx);
            let (sender, exit) = watch::channel(None);
            let mut running = match running {
                Ok(running) => running,
                Err(e) => {
                    eprintln!("  task {arn}: could not start: {e:#}");
                    let _ = sender.send(Some(-1));
                    continue;
                }
            };
            let listed = Listed {
                arn: arn.to_owned(),
                family: task.name.clone(),
                pid: running.child.id().unwrap_or_default(),
                exit: None,
            };
            println!("  task {arn} ({}) pid={}", listed.family, listed.pid);
            self.tasks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(arn.to_owned(), Task { listed, exit });
            let (tasks, plane, arn, cluster) = (self.clone(), plane.clone(), arn.to_owned(), cluster.clone());
            tokio::spawn(async move {
                let code = running.child.wait().await.map_or(-1, exit_code);
                println!("  task {arn} exited with {code}");
                let reason = format!("Essential container in task exited (exit code {code})");
                let stop = json!({"cluster": cluster, "task": arn, "reason": reason});
                let endpoint = plane.clients.sdk.endpoint_url().unwrap_or_default().to_owned();
                let _ = ecs(&tasks.http, &endpoint, &plane.region, "StopTask", &stop).await;
                if let Some(t) = tasks.tasks.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&arn) {
                    t.listed.exit = Some(code);
                }
                let _ = sender.send(Some(code));
            });
        }
        Ok(answer)
    }

    /// The exit code of task `arn`, once it exited; `None` for a task this twin did not start.
    pub async fn exit(&self, arn: &str) -> Option<i32> {
        let mut exit = self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)?
            .exit
            .clone();
        let code = exit.wait_for(Option::is_some).await.ok()?;
        *code
    }

    /// Stop every task still running as ECS stops one (SIGTERM, 30 s, SIGKILL): the twin is stopping.
    pub async fn stop_running(&self) {
        let running: Vec<u32> = self
            .list()
            .into_iter()
            .filter(|t| t.exit.is_none())
            .map(|t| t.pid)
            .collect();
        processes::stop_groups(&running, Duration::from_secs(30)).await;
    }

    /// Every task started so far.
    pub fn list(&self) -> Vec<Listed> {
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|t| t.listed.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_to_the_named_container_or_to_all() {
        let request = json!({"overrides": {"containerOverrides": [
            {"name": "strategy", "environment": [{"name": "JOB_ID", "value": "j1"}]},
            {"name": "other", "environment": [{"name": "X", "value": "no"}]},
            {"environment": [{"name": "MODE", "value": "train"}]}
        ]}});
        assert_eq!(
            overrides(&request, "strategy"),
            vec![("JOB_ID".to_owned(), "j1".to_owned()), ("MODE".to_owned(), "train".to_owned())]
        );
        let killed = std::process::ExitStatus::from_raw(9);
        assert_eq!(exit_code(killed), 137);
    }
}
