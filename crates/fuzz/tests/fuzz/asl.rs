//! The ASL interpreter: damaged state machine documents are refused by name or run to an end, and the
//! platform's workflows run any input to an end (succeeded, or failed with a `States.*` or task error),
//! within the interpreter's transition bound. Every task answers with its own parameters, so the paths,
//! intrinsic functions, choices and catches run on whatever the input carried.

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_fuzz::Target;
use tradai_workflows::local::{Integrations, Interpreter, TaskFailure};
use tradai_workflows::StateMachine;

/// Answers every task with its parameters, as a Lambda `Payload`.
struct Echo;

#[async_trait]
impl Integrations for Echo {
    async fn call(&self, _resource: &str, parameters: Value) -> Result<Value, TaskFailure> {
        Ok(json!({"Payload": parameters}))
    }
}

fn workflows() -> Vec<StateMachine> {
    let config = tradai_test_support::config_with_prefix("fuzz");
    let targets = tradai_workflows::sample::targets(&config);
    tradai_workflows::WORKFLOWS
        .iter()
        .filter_map(|key| {
            let spec = config.settings().workflows.get(*key)?;
            tradai_workflows::definition(key, spec, &targets)
        })
        .collect()
}

fn run(
    runtime: &tokio::runtime::Runtime,
    machine: &StateMachine,
    input: Value,
) -> Result<(), String> {
    let interpreter = Interpreter {
        integrations: &Echo,
        delay_scale: 0.0,
        stop: None,
    };
    let execution = runtime.block_on(interpreter.run(machine, "fuzz", input));
    match (&execution.error, execution.succeeded) {
        (None, true) => Ok(()),
        (Some(e), false) if !e.error.is_empty() => Ok(()),
        _ => Err(format!("ended without a verdict: {execution:?}")),
    }
}

#[test]
fn asl_documents() {
    let runtime = crate::runtime();
    let mut target = Target::new("asl-document");
    for machine in workflows() {
        target = target.seed(machine.to_json().to_string());
    }
    let check = |input: &[u8]| {
        let Ok(document) = serde_json::from_slice::<Value>(input) else {
            return Ok(());
        };
        match StateMachine::from_json(&document) {
            Ok(machine) => run(&runtime, &machine, json!({"job_id": "j1"})),
            Err(e) if e.to_string().is_empty() => Err("refused without a reason".into()),
            Err(_) => Ok(()),
        }
    };
    target.run(check);
    target.run_json(check);
}

#[test]
fn asl_inputs() {
    let runtime = crate::runtime();
    let machines = workflows();
    let job = tradai_test_support::samples::job("j1", "t-1", "2026-01-01T00:00:00Z");
    let input = tradai_domain::ports::workflow_input(&job, "tradai-strategy-generic-dev");
    Target::new("asl-input")
        .seed(input.to_string())
        .run_json(|input| {
            let Ok(input) = serde_json::from_slice::<Value>(input) else {
                return Ok(());
            };
            machines
                .iter()
                .try_for_each(|machine| run(&runtime, machine, input.clone()))
        });
}
