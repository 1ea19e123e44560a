//! The statuses a route answers are the statuses it documents: a caller holding every permission probes each
//! operation with what an OpenAPI fuzzer sends first (no body, a body of the wrong type, an empty object, out of
//! range query values), and every answer must be a status the operation documents, an error must be the JSON
//! error body (`code`, `message`), and nothing may be a 5xx.

use serde_json::{json, Value};

use super::call;

/// The probes of one operation: a body (or none) and a query to append.
fn probes(takes_body: bool) -> Vec<(Option<Value>, &'static str)> {
    let mut out = vec![(None, ""), (None, "?limit=-1&cursor=%E2%9C%93&status=nope")];
    if takes_body {
        out.extend([
            (Some(json!("not an object")), ""),
            (Some(json!({})), ""),
            (
                Some(json!({"strategy": -1, "start_date": "2024-13-45"})),
                "",
            ),
        ]);
    }
    out
}

/// Problems of `operation` (`route` is `METHOD /path`, `uri` its concrete path) probed with `token`.
pub(super) async fn undocumented(
    app: &axum::Router,
    route: &str,
    operation: &Value,
    uri: &str,
    token: &str,
) -> Vec<String> {
    let method = route.split(' ').next().unwrap_or("GET");
    let mut problems = Vec::new();
    for (body, query) in probes(operation.get("requestBody").is_some()) {
        let shown = body.as_ref().map_or("no body".to_owned(), Value::to_string);
        let answer = call(
            app,
            method,
            &format!("{uri}{query}"),
            Some(token),
            &[],
            body,
        )
        .await;
        let status = answer.status.as_u16();
        let what = format!("{route}{query} with {shown}");
        if operation["responses"].get(status.to_string()).is_none() {
            problems.push(format!(
                "{what}: answers {status}, which it does not document"
            ));
        }
        if status >= 500 {
            problems.push(format!("{what}: answers {status} {}", answer.body));
        }
        if status >= 400 && !(answer.body["code"].is_string() && answer.body["message"].is_string())
        {
            problems.push(format!(
                "{what}: the {status} body is not the JSON error: {}",
                answer.body
            ));
        }
    }
    problems
}
