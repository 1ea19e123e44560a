//! The local interpreter's ASL semantics, with scripted integrations (pure logic: no service behind them).

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_workflows::local::{place, read, resolve, Integrations, Interpreter, TaskFailure};
use tradai_workflows::{Catch, Condition, Retry, State, StateMachine, Transition, LAMBDA_INVOKE};

/// Answers calls from a script, and records what it was called with.
struct Script {
    answers: Mutex<VecDeque<Result<Value, TaskFailure>>>,
    calls: Mutex<Vec<Value>>,
}

#[async_trait]
impl Integrations for Script {
    async fn call(&self, _resource: &str, parameters: Value) -> Result<Value, TaskFailure> {
        self.calls.lock().expect("lock").push(parameters);
        self.answers
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or(Ok(json!({})))
    }
}

fn fail(error: &str) -> Result<Value, TaskFailure> {
    Err(TaskFailure {
        error: error.into(),
        cause: format!("{error} happened"),
    })
}

fn task(next: &str, retry: Vec<Retry>, catch: Vec<Catch>) -> State {
    State::Task {
        resource: LAMBDA_INVOKE.into(),
        parameters: json!({"FunctionName": "f", "Payload": {"job_id.$": "$.job_id", "execution.$": "$$.Execution.Name"}}),
        result_selector: Some(json!({"data.$": "$.Payload.body.data"})),
        result_path: Some("$.result".into()),
        timeout_seconds: Some(5),
        retry,
        catch,
        transition: Transition::Next(next.into()),
    }
}

fn machine(retry: Vec<Retry>) -> StateMachine {
    let catch = vec![Catch {
        errors: vec!["States.ALL".into()],
        result_path: "$.error".into(),
        next: "Failed".into(),
    }];
    StateMachine::new("test", "Work")
        .state("Work", task("Check", retry, catch))
        .state(
            "Check",
            State::Choice {
                rules: vec![(
                    Condition::BooleanEquals("$.result.data.ok".into(), true),
                    "Shape".into(),
                )],
                default: "Failed".into(),
            },
        )
        .state(
            "Shape",
            State::Pass {
                parameters: Some(json!({"done.$": "$.result.data.ok"})),
                result_path: Some("$.summary".into()),
                transition: Transition::Next("Done".into()),
            },
        )
        .state("Done", State::Succeed)
        .state(
            "Failed",
            State::Fail {
                error: "WorkFailed".into(),
                cause: "see $.error".into(),
            },
        )
}

fn retry(errors: &[&str], max_attempts: u32) -> Vec<Retry> {
    vec![Retry {
        errors: errors.iter().map(|e| (*e).to_owned()).collect(),
        interval_seconds: 2,
        max_attempts,
        backoff_rate: 2.0,
        max_delay_seconds: Some(30),
    }]
}

fn script(answers: Vec<Result<Value, TaskFailure>>) -> Script {
    Script {
        answers: Mutex::new(answers.into()),
        calls: Mutex::new(Vec::new()),
    }
}

fn ok() -> Result<Value, TaskFailure> {
    Ok(json!({"Payload": {"body": {"data": {"ok": true}}}}))
}

#[tokio::test]
async fn paths_selectors_choice_and_pass() {
    let integrations = script(vec![ok()]);
    let run = Interpreter {
        integrations: &integrations,
        delay_scale: 0.0,
        stop: None,
    }
    .run(&machine(vec![]), "exec-1", json!({"job_id": "j1"}))
    .await;
    assert!(run.succeeded, "{run:?}");
    assert_eq!(run.visited, ["Work", "Check", "Shape", "Done"]);
    assert_eq!(
        run.output,
        json!({"job_id": "j1", "result": {"data": {"ok": true}}, "summary": {"done": true}})
    );
    assert_eq!(
        integrations.calls.lock().expect("lock")[0],
        json!({"FunctionName": "f", "Payload": {"job_id": "j1", "execution": "exec-1"}})
    );
}

#[tokio::test]
async fn transient_errors_are_retried_then_caught() {
    let integrations = script(vec![fail("TransientError"), fail("TransientError"), ok()]);
    let run = Interpreter {
        integrations: &integrations,
        delay_scale: 0.0,
        stop: None,
    }
    .run(&machine(retry(&["TransientError"], 3)), "e", json!({}))
    .await;
    assert!(run.succeeded, "two retries, then success: {run:?}");
    assert_eq!(integrations.calls.lock().expect("lock").len(), 3);

    let exhausted = script(vec![fail("TransientError"), fail("TransientError")]);
    let run = Interpreter {
        integrations: &exhausted,
        delay_scale: 0.0,
        stop: None,
    }
    .run(&machine(retry(&["TransientError"], 1)), "e", json!({}))
    .await;
    assert!(!run.succeeded);
    assert_eq!(
        run.visited,
        ["Work", "Failed"],
        "caught after the one retry"
    );
    assert_eq!(
        run.output["error"],
        json!({"Error": "TransientError", "Cause": "TransientError happened"})
    );
    assert_eq!(run.error.expect("failure").error, "WorkFailed");

    let other = script(vec![fail("ValidationError")]);
    let run = Interpreter {
        integrations: &other,
        delay_scale: 0.0,
        stop: None,
    }
    .run(&machine(retry(&["TransientError"], 3)), "e", json!({}))
    .await;
    assert_eq!(
        other.calls.lock().expect("lock").len(),
        1,
        "other errors are not retried"
    );
    assert_eq!(run.visited, ["Work", "Failed"]);
}

#[test]
fn path_helpers() {
    let input = json!({"a": {"b": 1}});
    assert_eq!(read("$.a.b", &input, &json!({})), json!(1));
    assert_eq!(read("$.missing.x", &input, &json!({})), Value::Null);
    assert_eq!(
        read(
            "$$.Execution.Name",
            &input,
            &json!({"Execution": {"Name": "n"}})
        ),
        json!("n")
    );
    assert_eq!(
        resolve(
            &json!({"x.$": "$.a", "y": [{"z.$": "$.a.b"}]}),
            &input,
            &json!({})
        )
        .expect("resolves"),
        json!({"x": {"b": 1}, "y": [{"z": 1}]})
    );
    assert_eq!(
        place(&input, Some("$.a.c.d"), json!(2)),
        json!({"a": {"b": 1, "c": {"d": 2}}})
    );
    assert_eq!(place(&input, Some("$"), json!(3)), json!(3));
}

/// Sets the stop flag while its task runs (a `StopExecution` arriving mid-task), then answers.
struct StopDuring<'a>(&'a std::sync::atomic::AtomicBool);

#[async_trait]
impl Integrations for StopDuring<'_> {
    async fn call(&self, _resource: &str, _parameters: Value) -> Result<Value, TaskFailure> {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        ok()
    }
}

#[tokio::test]
async fn a_stopped_execution_finishes_its_task_and_enters_no_further_state() {
    let stop = std::sync::atomic::AtomicBool::new(false);
    let run = Interpreter {
        integrations: &StopDuring(&stop),
        delay_scale: 0.0,
        stop: Some(&stop),
    }
    .run(&machine(vec![]), "e", json!({"job_id": "j1"}))
    .await;
    assert!(!run.succeeded);
    assert_eq!(run.visited, ["Work"], "no state after the task");
    assert_eq!(
        run.error.map(|e| e.error),
        Some(tradai_workflows::local::ABORTED.to_owned())
    );
    // The task's result was placed before the stop was seen.
    assert_eq!(run.output["result"], json!({"data": {"ok": true}}));
}
