//! Request bodies: every operation of the backend's OpenAPI document that takes a body is sent JSON seeds with
//! values replaced or removed, by a caller holding every permission. Each answer must be a status the
//! operation documents, an error must be the JSON error body, and nothing may be a 5xx: what an outside
//! fuzzer over `/openapi.json` checks.

use std::sync::Arc;

use serde_json::Value;
use tradai_fuzz::Target;
use tradai_platform::{ExecutorKind, MemoryPorts, Platform};
use tradai_service_kit::testing::{access_claims, call, JwksServer, Key};

#[test]
fn backend_request_bodies() {
    let runtime = crate::runtime();
    let config = tradai_test_support::config_with_prefix("fuzz");
    let memory = MemoryPorts::new(&config).expect("ports");
    let platform = Platform::on_memory(memory);
    let key = Key::new("fuzz");
    let (app, jwks) = runtime.block_on(async {
        let jwks = JwksServer::start(vec![key.jwk()]).await;
        let state = tradai_backend::AppState::on_platform(
            &config,
            &platform,
            ExecutorKind::Sqs,
            "http://127.0.0.1:9",
            Arc::new(jwks.verifier()),
        )
        .await
        .expect("state");
        (tradai_backend::router(state, &Default::default()), jwks)
    });
    let token = key.sign(&access_claims(&jwks.issuer()));
    let document = serde_json::to_value(tradai_backend::openapi()).expect("document");
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if operation.get("requestBody").is_some() {
                let uri = path.replace('{', "x").replace('}', "");
                operations.push((method.to_uppercase(), uri, operation.clone()));
            }
        }
    }
    assert!(operations.len() >= 3, "{operations:?}");
    Target::new("backend-body").run_json(|input| {
        let body: Value = serde_json::from_slice(input).unwrap_or(Value::Null);
        for (method, uri, operation) in &operations {
            let answer = runtime.block_on(call(
                &app,
                method,
                uri,
                Some(&token),
                &[],
                Some(body.clone()),
            ));
            let status = answer.status.as_u16();
            let route = format!("{method} {uri}");
            if operation["responses"].get(status.to_string()).is_none() {
                return Err(format!(
                    "{route}: answers {status}, which it does not document: {}",
                    answer.body
                ));
            }
            if status >= 500 {
                return Err(format!("{route}: answers {status} {}", answer.body));
            }
            if status >= 400
                && !(answer.body["code"].is_string() && answer.body["message"].is_string())
            {
                return Err(format!(
                    "{route}: the {status} body is not the JSON error: {}",
                    answer.body
                ));
            }
        }
        Ok(())
    });
}
