//! Handler errors keep their kind in AWS: the `tradai-lambda` process, served by a loopback Runtime API as
//! Lambda serves it, posts the `errorType` the workflows' Retry and Catch match (`ValidationError`,
//! `TransientError`), not a Rust type name.

use std::time::Duration;

use serde_json::json;

use crate::runtime_api::{Outcome, RuntimeApi};

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
