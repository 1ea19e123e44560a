//! The routes hold the permissions their OpenAPI operations declare: for every operation of a service's
//! document, an anonymous call is a 401 (AUTH001), a caller holding every permission but the declared one is a
//! 403 naming it (AUTH003), and both statuses are documented; an operation declaring no security is public.
//! An operation that takes a body documents 413, and a 2 MiB body from a caller holding every permission is
//! refused with it (TOO_LARGE) before anything reads it. Run against the service's own router, so a route whose
//! handler forgets its `Authorized` extractor, reads an unbounded body, or whose document names another
//! permission, fails. Each secured operation is then probed for statuses it answers but does not document
//! (`statuses`).

use serde_json::Value;
use tradai_config::Permission;

use super::{call, machine_claims, Key};

/// A path of the document with each `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x1".to_owned()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The permission an operation declares (`security: [{cognito: [<permission>]}]`); `Ok(None)` for a public
/// one.
fn declared(operation: &Value) -> Result<Option<Permission>, String> {
    let Some(requirements) = operation["security"].as_array() else {
        return Ok(None);
    };
    let names: Vec<&str> = requirements
        .iter()
        .filter_map(|r| r["cognito"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match names.as_slice() {
        [name] => Permission::parse(name)
            .map(Some)
            .ok_or_else(|| format!("declares '{name}', which is not a permission")),
        other => Err(format!(
            "declares {other:?}: expected exactly one permission"
        )),
    }
}

/// Every way `app`'s routes differ from the permissions and body limits `openapi` declares, as readable lines.
pub async fn route_problems(
    app: &axum::Router,
    openapi: &utoipa::openapi::OpenApi,
    key: &Key,
    issuer: &str,
) -> Vec<String> {
    let document = serde_json::to_value(openapi).expect("the document is JSON");
    let mut problems = Vec::new();
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    for (path, item) in &paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let route = format!("{} {path}", method.to_uppercase());
            let uri = concrete(path);
            let anonymous = call(app, &method.to_uppercase(), &uri, None, &[], None).await;
            let permission = match declared(operation) {
                Ok(Some(p)) => p,
                Ok(None) => {
                    if anonymous.status == 401 {
                        problems.push(format!("{route}: documented as public but answers 401"));
                    }
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{route}: {e}"));
                    continue;
                }
            };
            for status in ["401", "403"] {
                if operation["responses"].get(status).is_none() {
                    problems.push(format!("{route}: does not document {status}"));
                }
            }
            if (anonymous.status.as_u16(), &anonymous.body["code"]) != (401, &"AUTH001".into()) {
                problems.push(format!(
                    "{route}: without a token answers {} {}",
                    anonymous.status, anonymous.body
                ));
            }
            let others: Vec<String> = Permission::ALL
                .into_iter()
                .filter(|p| *p != permission)
                .map(|p| format!("tradai-api/{p}"))
                .collect();
            let token = key.sign(&machine_claims(issuer, &others.join(" ")));
            let refused = call(app, &method.to_uppercase(), &uri, Some(&token), &[], None).await;
            if operation.get("requestBody").is_some() {
                problems.extend(oversized(app, &route, operation, &uri, key, issuer).await);
            }
            let all = key.sign(&machine_claims(issuer, &every_permission()));
            problems
                .extend(super::statuses::undocumented(app, &route, operation, &uri, &all).await);
            let named = &refused.body["details"]["required_permission"];
            if refused.status != 403 || named != permission.as_str() {
                problems.push(format!(
                    "{route}: a caller with every permission but {permission} gets {} {}",
                    refused.status, refused.body
                ));
            }
        }
    }
    problems
}

/// A machine's scope holding every permission.
fn every_permission() -> String {
    Permission::ALL
        .iter()
        .map(|p| format!("tradai-api/{p}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Problems of an operation taking a body: 413 undocumented, or a 2 MiB body not refused with it.
async fn oversized(
    app: &axum::Router,
    route: &str,
    operation: &Value,
    uri: &str,
    key: &Key,
    issuer: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    if operation["responses"].get("413").is_none() {
        problems.push(format!("{route}: takes a body but does not document 413"));
    }
    let token = key.sign(&machine_claims(issuer, &every_permission()));
    let huge = serde_json::json!({"padding": "x".repeat(2 << 20)});
    let method = route.split(' ').next().unwrap_or("POST");
    let answer = call(app, method, uri, Some(&token), &[], Some(huge)).await;
    if (answer.status.as_u16(), &answer.body["code"]) != (413, &"TOO_LARGE".into()) {
        problems.push(format!(
            "{route}: a 2 MiB body gets {} {}",
            answer.status, answer.body
        ));
    }
    problems
}
