//! A planned function as the twin runs it: one `tradai-lambda` execution environment (a process) behind a
//! loopback Lambda Runtime API, with the function's planned environment plus what Lambda sets
//! (`AWS_LAMBDA_*`, `AWS_REGION`) and the twin's additions. Invocations are served one at a time (one execution
//! environment, within any reserved concurrency of at least one; a reserved concurrency of 0 throttles every
//! call, as Lambda does). The planned timeout is enforced as Lambda enforces it: the environment is killed and
//! started afresh, and the invocation fails with `Sandbox.Timedout`; a process that exits fails its invocation
//! with `Runtime.ExitError` and is started afresh too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;
use tradai_lambdas::runtime_api::{Outcome, RuntimeApi};

use super::functions::Function;
use super::plane::Plane;
use super::processes::{self, Context};

/// One running function.
#[derive(Debug)]
pub struct Lambda {
    pub function: Function,
    pub log: PathBuf,
    api: RuntimeApi,
    binary: PathBuf,
    env: BTreeMap<String, String>,
    dir: PathBuf,
    /// The execution environment; held for the length of an invocation.
    child: Mutex<Child>,
    pid: std::sync::atomic::AtomicU32,
}

/// The environment of `function`'s process behind `api`.
fn environment(
    function: &Function,
    api: &RuntimeApi,
    region: &str,
    ids: &BTreeMap<String, String>,
    cx: &Context,
) -> BTreeMap<String, String> {
    let mut env = processes::resolved(&function.environment, ids);
    env.extend(
        api.environment(&function.name)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    env.insert(
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
        function.memory_mb.to_string(),
    );
    env.insert(
        "AWS_LAMBDA_LOG_GROUP_NAME".into(),
        function.log_group.clone(),
    );
    env.insert("AWS_REGION".into(), region.to_owned());
    env.insert("AWS_DEFAULT_REGION".into(), region.to_owned());
    env.extend(processes::additions(cx, None, function.role.as_deref()));
    env
}

fn spawn(
    binary: &Path,
    env: &BTreeMap<String, String>,
    dir: &Path,
    log: &Path,
) -> anyhow::Result<Child> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    Command::new(binary)
        .env_clear()
        .envs(env)
        .current_dir(dir)
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))
}

impl Lambda {
    /// Start `function` as `binary` in `region`.
    pub async fn start(
        function: &Function,
        binary: &Path,
        region: &str,
        ids: &BTreeMap<String, String>,
        cx: &Context,
    ) -> anyhow::Result<Lambda> {
        let arn = format!(
            "arn:aws:lambda:{region}:{}:function:{}",
            tradai_stack_testing::FAKE_ACCOUNT,
            function.name
        );
        let api = RuntimeApi::for_function(&arn, function.timeout)
            .await
            .context("a loopback Runtime API")?;
        let env = environment(function, &api, region, ids, cx);
        let (dir, _, log) = processes::output(&function.name, cx)?;
        let child = spawn(binary, &env, &dir, &log)?;
        let pid = child.id().unwrap_or_default();
        Ok(Lambda {
            function: function.clone(),
            log,
            api,
            binary: binary.to_owned(),
            env,
            dir,
            child: Mutex::new(child),
            pid: pid.into(),
        })
    }

    /// The process (group) id of the current execution environment.
    pub fn pid(&self) -> u32 {
        self.pid.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Kill the execution environment and start a fresh one.
    async fn restart(&self, child: &mut Child) -> anyhow::Result<()> {
        processes::signal_group("-KILL", self.pid()).await;
        let _ = child.wait().await;
        self.api.clear();
        *child = spawn(&self.binary, &self.env, &self.dir, &self.log)?;
        self.pid.store(
            child.id().unwrap_or_default(),
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(())
    }

    /// Invoke the function with `event`, as `Invoke` with `RequestResponse` does.
    pub async fn invoke(&self, event: Value) -> anyhow::Result<Outcome> {
        if self.function.reserved == Some(0) {
            return Ok(Outcome::Error {
                error_type: "TooManyRequestsException".into(),
                error_message: format!(
                    "Rate Exceeded: {} has a reserved concurrency of 0",
                    self.function.name
                ),
            });
        }
        let mut child = self.child.lock().await;
        let id = self.api.invoke(event);
        let deadline = Instant::now() + self.function.timeout;
        loop {
            if let Some((_, outcome)) = self.api.outcome(&id, Duration::ZERO).await {
                return Ok(outcome);
            }
            if let Some(status) = child.try_wait()? {
                self.restart(&mut child).await?;
                return Ok(Outcome::Error {
                    error_type: "Runtime.ExitError".into(),
                    error_message: format!("RequestId: {id} Error: Runtime exited ({status})"),
                });
            }
            if Instant::now() >= deadline {
                self.restart(&mut child).await?;
                return Ok(Outcome::Error {
                    error_type: "Sandbox.Timedout".into(),
                    error_message: format!(
                        "RequestId: {id} Error: Task timed out after {:.2} seconds",
                        self.function.timeout.as_secs_f64()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Start every planned function behind its own Runtime API.
pub async fn start_planned(plane: &Plane) -> anyhow::Result<Vec<std::sync::Arc<Lambda>>> {
    let mut lambdas = Vec::new();
    for f in &super::functions::functions(&plane.graph)? {
        let binary = plane.catalog.binary(&f.repository).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: its image ({}) is not a binary of this workspace",
                f.name,
                f.repository
            )
        })?;
        let program = processes::Program::Binary(binary.clone());
        super::plane::present(&program, &f.name)?;
        let lambda = Lambda::start(f, &binary, &plane.region, &plane.ids, &plane.cx).await?;
        lambdas.push(std::sync::Arc::new(lambda));
    }
    Ok(lambdas)
}

/// Stop every execution environment as Lambda shuts one down: SIGTERM, then SIGKILL after 2 s.
pub async fn stop_all(lambdas: &[std::sync::Arc<Lambda>]) {
    let pids: Vec<u32> = lambdas.iter().map(|l| l.pid()).collect();
    processes::stop_groups(&pids, Duration::from_secs(2)).await;
}
