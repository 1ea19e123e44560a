//! The local executor's interpreter (issue 8 §4): runs a [`StateMachine`] in this process, with the service
//! integrations answered by an [`Integrations`] implementation (the Rust handlers and the runner, called
//! directly). It follows the ASL semantics the definitions use: `Parameters` with `.$` paths (`$…` on the
//! state input, `$$…` on the context), `ResultSelector`, `ResultPath`, `Retry` (interval × backoff, capped),
//! `Catch` (the error object `{Error, Cause}` at the catcher's result path), task timeouts as
//! `States.Timeout`, `Choice`, `Pass`, `Succeed` and `Fail`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::asl::{Catch, Condition, Retry, State, StateMachine, Transition};

mod intrinsic;
pub mod map;
mod paths;
pub mod update_item;

pub use paths::{place, read, resolve};

/// A failed task: the error name Retry and Catch match, and its cause.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFailure {
    pub error: String,
    pub cause: String,
}

/// What answers the definitions' service integrations.
#[async_trait]
pub trait Integrations: Send + Sync {
    /// Call `resource` (`arn:aws:states:::lambda:invoke`, …) with the resolved `parameters`; the raw result.
    async fn call(&self, resource: &str, parameters: Value) -> Result<Value, TaskFailure>;
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub succeeded: bool,
    pub output: Value,
    pub error: Option<TaskFailure>,
    /// The states entered, in order.
    pub visited: Vec<String>,
}

impl Execution {
    fn failed(output: Value, failure: TaskFailure, visited: Vec<String>) -> Self {
        Execution {
            succeeded: false,
            output,
            error: Some(failure),
            visited,
        }
    }

    fn succeeded(output: Value, visited: Vec<String>) -> Self {
        Execution {
            succeeded: true,
            output,
            error: None,
            visited,
        }
    }
}

fn matches(errors: &[String], error: &str) -> bool {
    errors
        .iter()
        .any(|e| e == error || (e == "States.ALL" && error != "States.Runtime"))
}

fn holds(condition: &Condition, input: &Value, context: &Value) -> bool {
    match condition {
        Condition::StringEquals(path, value) => {
            read(path, input, context).as_str() == Some(value.as_str())
        }
        Condition::BooleanEquals(path, value) => {
            read(path, input, context).as_bool() == Some(*value)
        }
        Condition::NumericLessThanPath(path, other) => {
            match (
                read(path, input, context).as_f64(),
                read(other, input, context).as_f64(),
            ) {
                (Some(a), Some(b)) => a < b,
                _ => false,
            }
        }
    }
}

/// Where the first catcher matching `failure` sends the execution, with the error object placed.
fn caught(catch: &[Catch], failure: &TaskFailure, data: &Value) -> Option<(Transition, Value)> {
    catch
        .iter()
        .find(|c| matches(&c.errors, &failure.error))
        .map(|c| {
            let error = json!({"Error": failure.error, "Cause": failure.cause});
            (
                Transition::Next(c.next.clone()),
                place(data, Some(&c.result_path), error),
            )
        })
}

/// The local interpreter: its integrations, how fast retry delays pass (0 skips them, 1 is real time), and
/// the flag that stops its executions (Step Functions' `StopExecution`).
pub struct Interpreter<'a> {
    pub integrations: &'a dyn Integrations,
    pub delay_scale: f64,
    /// Once set, an execution enters no further state and ends `States.Aborted` (a running task or Map
    /// finishes first; the integrations see the same flag to cut it short).
    pub stop: Option<&'a AtomicBool>,
}

impl std::fmt::Debug for Interpreter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interpreter")
            .field("delay_scale", &self.delay_scale)
            .finish_non_exhaustive()
    }
}

/// The failure of a stopped execution (its status is ABORTED).
pub fn aborted() -> TaskFailure {
    TaskFailure {
        error: ABORTED.into(),
        cause: "the execution was stopped".into(),
    }
}

/// The error of a stopped execution.
pub const ABORTED: &str = "States.Aborted";

/// States an execution may enter before it is stopped as a runaway loop.
const MAX_TRANSITIONS: usize = 1000;

impl Interpreter<'_> {
    /// Run `machine` on `input` as execution `name` (its id `local:<name>`).
    pub async fn run(&self, machine: &StateMachine, name: &str, input: Value) -> Execution {
        self.run_as(machine, &format!("local:{name}"), name, input)
            .await
    }

    /// Run `machine` on `input` as the execution `id` (its ARN, where Step Functions started it) named `name`.
    pub async fn run_as(
        &self,
        machine: &StateMachine,
        id: &str,
        name: &str,
        input: Value,
    ) -> Execution {
        let mut context = json!({"Execution": {"Id": id, "Name": name, "Input": input.clone()}});
        let (mut current, mut data, mut visited) = (machine.start_at.clone(), input, Vec::new());
        while visited.len() < MAX_TRANSITIONS {
            if self.stop.is_some_and(|stop| stop.load(Ordering::SeqCst)) {
                return Execution::failed(data, aborted(), visited);
            }
            visited.push(current.clone());
            context["State"] =
                json!({"Name": current, "EnteredTime": chrono::Utc::now().to_rfc3339()});
            let Some(state) = machine.get(&current) else {
                let failure = TaskFailure {
                    error: "States.Runtime".into(),
                    cause: format!("no state named {current}"),
                };
                return Execution::failed(data, failure, visited);
            };
            let (next, output) = match state {
                State::Succeed => return Execution::succeeded(data, visited),
                State::Fail { error, cause } => {
                    let failure = TaskFailure {
                        error: error.clone(),
                        cause: cause.clone(),
                    };
                    return Execution::failed(data, failure, visited);
                }
                State::Choice { rules, default } => {
                    let target = rules
                        .iter()
                        .find(|(c, _)| holds(c, &data, &context))
                        .map_or(default, |(_, t)| t);
                    (Transition::Next(target.clone()), data.clone())
                }
                State::Pass {
                    parameters,
                    result_path,
                    transition,
                } => {
                    let result = match parameters.as_ref().map(|p| resolve(p, &data, &context)) {
                        None => data.clone(),
                        Some(Ok(result)) => result,
                        Some(Err(failure)) => return Execution::failed(data, failure, visited),
                    };
                    (
                        transition.clone(),
                        place(&data, result_path.as_deref(), result),
                    )
                }
                State::Task {
                    resource,
                    parameters,
                    result_selector,
                    result_path,
                    timeout_seconds,
                    retry,
                    catch,
                    transition,
                } => {
                    let arguments = match resolve(parameters, &data, &context) {
                        Ok(arguments) => arguments,
                        Err(failure) => return Execution::failed(data, failure, visited),
                    };
                    match self
                        .task(resource, arguments, *timeout_seconds, retry)
                        .await
                        .and_then(|raw| match result_selector {
                            Some(selector) => resolve(selector, &raw, &context),
                            None => Ok(raw),
                        }) {
                        Ok(result) => (
                            transition.clone(),
                            place(&data, result_path.as_deref(), result),
                        ),
                        Err(failure) => match caught(catch, &failure, &data) {
                            Some(routed) => routed,
                            None => return Execution::failed(data, failure, visited),
                        },
                    }
                }
                State::Map(map) => match self.map(map, id, &data, &context).await {
                    Ok(result) => (
                        map.transition.clone(),
                        place(&data, map.result_path.as_deref(), result),
                    ),
                    Err(failure) => match caught(&map.catch, &failure, &data) {
                        Some(routed) => routed,
                        None => return Execution::failed(data, failure, visited),
                    },
                },
            };
            data = output;
            match next {
                Transition::Next(name) => current = name,
                Transition::End => return Execution::succeeded(data, visited),
            }
        }
        let failure = TaskFailure {
            error: "States.Runtime".into(),
            cause: format!("more than {MAX_TRANSITIONS} transitions"),
        };
        Execution::failed(data, failure, visited)
    }

    /// One task with its timeout and retries.
    async fn task(
        &self,
        resource: &str,
        arguments: Value,
        timeout: Option<u32>,
        retry: &[Retry],
    ) -> Result<Value, TaskFailure> {
        let mut attempts: Vec<u32> = vec![0; retry.len()];
        loop {
            let call = self.integrations.call(resource, arguments.clone());
            let outcome = match timeout {
                Some(seconds) => {
                    tokio::time::timeout(Duration::from_secs(u64::from(seconds)), call)
                        .await
                        .unwrap_or_else(|_| {
                            Err(TaskFailure {
                                error: "States.Timeout".into(),
                                cause: format!("no result within {seconds} s"),
                            })
                        })
                }
                None => call.await,
            };
            let failure = match outcome {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let Some(index) = retry
                .iter()
                .position(|r| matches(&r.errors, &failure.error))
            else {
                return Err(failure);
            };
            let rule = &retry[index];
            if attempts[index] >= rule.max_attempts {
                return Err(failure);
            }
            let mut delay =
                f64::from(rule.interval_seconds) * rule.backoff_rate.powi(attempts[index] as i32);
            if let Some(cap) = rule.max_delay_seconds {
                delay = delay.min(f64::from(cap));
            }
            attempts[index] += 1;
            tokio::time::sleep(Duration::from_secs_f64(delay * self.delay_scale)).await;
        }
    }
}
