//! Handler errors keep their kind in AWS: the `tradai-lambda` process, served by a loopback Runtime API as
//! Lambda serves it, posts the `errorType` the workflows' Retry and Catch match (`ValidationError`,
//! `TransientError`), not a Rust type name; and the workflows' Retry fires on it.

use std::time::Duration;

use serde_json::json;
use tradai_workflows::local::{Integrations, Interpreter, TaskFailure};
use tradai_workflows::{State, StateMachine};

use tradai_lambdas::runtime_api::{Outcome, RuntimeApi};

/// `tradai-lambda update-status` on `api`, its DynamoDB at an address nothing listens on.
fn spawn(api: &RuntimeApi) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tradai-lambda"))
        .env_clear()
        .envs(api.environment("tradai-update-status-dev"))
        .env("TRADAI_HANDLER", "update-status")
        .env("ENVIRONMENT", "dev")
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn tradai-lambda")
}

async fn error_type(api: &RuntimeApi, event: serde_json::Value) -> (String, String) {
    let id = api.invoke(event);
    match api.outcome(&id, Duration::from_secs(120)).await {
        Some((
            _,
            Outcome::Error {
                error_type,
                error_message,
            },
        )) => (error_type, error_message),
        other => panic!("expected an error for {id}, got {other:?}"),
    }
}

/// A bad input posts `ValidationError`; a dependency that cannot be reached posts `TransientError`.
#[tokio::test]
async fn the_posted_error_type_is_the_name_the_workflows_match() {
    let api = RuntimeApi::start().await;
    let _process = spawn(&api);
    let (kind, message) = error_type(&api, json!({"status": "RUNNING"})).await;
    assert_eq!(kind, "ValidationError");
    assert!(message.contains("job_id"), "{message}");
    let (kind, message) = error_type(&api, json!({"job_id": "j-1", "status": "RUNNING"})).await;
    assert_eq!(kind, "TransientError", "{message}");
    let id = api.invoke(json!({"job_id": "j-1", "status": "DONE"}));
    let answer = api.outcome(&id, Duration::from_secs(60)).await;
    assert!(
        matches!(&answer, Some((_, Outcome::Error { error_type, .. })) if error_type == "ValidationError"),
        "the process serves on after errors: {answer:?}"
    );
}

/// Step Functions' view of a Lambda task: the payload goes to the function process, a posted error becomes the
/// task's error (`Error` = `errorType`), as the service integration maps it.
struct ProcessInvoke<'a> {
    api: &'a RuntimeApi,
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Integrations for ProcessInvoke<'_> {
    async fn call(
        &self,
        resource: &str,
        parameters: serde_json::Value,
    ) -> Result<serde_json::Value, TaskFailure> {
        assert_eq!(resource, tradai_workflows::LAMBDA_INVOKE);
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = self.api.invoke(parameters["Payload"].clone());
        match self.api.outcome(&id, Duration::from_secs(120)).await {
            Some((_, Outcome::Response(payload))) => {
                Ok(json!({"Payload": payload, "StatusCode": 200}))
            }
            Some((
                _,
                Outcome::Error {
                    error_type,
                    error_message,
                },
            )) => Err(TaskFailure {
                error: error_type,
                cause: error_message,
            }),
            None => Err(TaskFailure {
                error: "States.Timeout".into(),
                cause: format!("{id} not answered"),
            }),
        }
    }
}

/// The planned backtest definition's Lambda Retry (the state the compute stack embeds, its Retry and Catch
/// as they are) fires on the `TransientError` a function process posts: every attempt of the config's policy is
/// made, then the Catch routes it; a `ValidationError` is caught at once.
#[tokio::test]
async fn the_workflow_retry_fires_on_a_transient_error_from_the_function() {
    let config = tradai_test_support::config_with_prefix("tradai");
    let spec = &config.settings().workflows["backtest"];
    let planned = tradai_workflows::definition(
        "backtest",
        spec,
        &tradai_workflows::sample::targets(&config),
    )
    .expect("backtest definition");
    let state = planned
        .get("UpdateStatusRunning")
        .expect("the planned state")
        .clone();
    // Only the planned state runs; where it leads (its Next and its Catch target) ends the execution.
    let machine = StateMachine::new("the planned UpdateStatusRunning", "UpdateStatusRunning")
        .state("UpdateStatusRunning", state)
        .state("RunBacktest", State::Succeed)
        .state(
            "CleanupResources",
            State::Fail {
                error: "UpdateFailed".into(),
                cause: "update-status failed".into(),
            },
        );
    let retry = &spec.lambda_retry;
    let api = RuntimeApi::start().await;
    let _process = spawn(&api);
    for (input, error, calls) in [
        (
            json!({"job_id": "j-1", "trace_id": "t-1"}),
            "TransientError",
            1 + retry.max_attempts as usize,
        ),
        (
            json!({"job_id": "", "trace_id": "t-1"}),
            "ValidationError",
            1,
        ),
    ] {
        let invoke = ProcessInvoke {
            api: &api,
            calls: Default::default(),
        };
        let interpreter = Interpreter {
            integrations: &invoke,
            delay_scale: 0.0,
            stop: None,
        };
        let execution = interpreter.run(&machine, "retry", input).await;
        assert!(!execution.succeeded);
        assert_eq!(
            execution.visited,
            ["UpdateStatusRunning", "CleanupResources"]
        );
        assert_eq!(
            execution.output["error"]["Error"], error,
            "{}",
            execution.output
        );
        assert_eq!(
            invoke.calls.load(std::sync::atomic::Ordering::SeqCst),
            calls,
            "{error}: the first call and the retries"
        );
    }
}
