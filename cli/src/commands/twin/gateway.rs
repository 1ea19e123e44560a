//! The planned HTTP API in front of the twin, as API Gateway and the load balancer answer:
//! - a request must match a planned route (`METHOD /path/{param}`), else 404 `{"message":"Not Found"}`;
//! - a route with the JWT authorizer needs a token the planned authorizer accepts: the planned issuer's keys
//!   (the pool's, served by the emulator), and its `client_id` or `aud` among the planned audiences. Without
//!   one the answer is 401 `{"message":"Unauthorized"}`;
//! - the integration forwards to the planned listener, whose rules (by priority, path patterns) forward to a
//!   target group, that is, to the ECS service registered in it. With no rule matching, the listener's
//!   planned fixed response answers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tradai_service_kit::auth::{Roles, Verifier};
use tradai_stack_testing::semantics::alb_path_matches;

use super::graph::{Graph, Resource};
use super::plane::Plane;

const ROUTE: &str = "aws:apigatewayv2/route:Route";
const AUTHORIZER: &str = "aws:apigatewayv2/authorizer:Authorizer";
const INTEGRATION: &str = "aws:apigatewayv2/integration:Integration";
const LISTENER: &str = "aws:lb/listener:Listener";
const RULE: &str = "aws:lb/listenerRule:ListenerRule";

/// The largest body the gateway forwards (API Gateway's payload limit).
const MAX_BODY: usize = 10 * 1024 * 1024;

/// One planned route.
#[derive(Debug, Clone)]
struct Route {
    method: String,
    segments: Vec<String>,
    authorizer: Option<String>,
}

/// One listener rule: its priority, path patterns and target group.
#[derive(Debug, Clone)]
struct ListenerRule {
    priority: u64,
    patterns: Vec<String>,
    target_group: String,
}

#[derive(Debug)]
struct Shared {
    routes: Vec<Route>,
    /// Authorizer (planned id) → its verifier.
    authorizers: BTreeMap<String, Verifier>,
    rules: Vec<ListenerRule>,
    /// The listener's fixed response: status and body.
    default: (u16, String),
    targets: BTreeMap<String, SocketAddr>,
    timeout: Duration,
    http: reqwest::Client,
}

/// Whether `path` matches the route template `segments` (`{name}` one segment, `{name+}` the rest).
fn matches_route(segments: &[String], path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if segment.starts_with('{') && segment.ends_with("+}") {
            return parts.len() > i;
        }
        match parts.get(i) {
            Some(part) if segment.starts_with('{') => {
                if part.is_empty() {
                    return false;
                }
            }
            Some(part) if part == segment => {}
            _ => return false,
        }
    }
    parts.len() == segments.len()
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, axum::Json(json!({"message": text}))).into_response()
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let Some(route) = shared
        .routes
        .iter()
        .find(|r| (r.method == method || r.method == "ANY") && matches_route(&r.segments, &path))
    else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    if let Some(id) = &route.authorizer {
        let token = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim().to_owned());
        let verified = match (token, shared.authorizers.get(id)) {
            (Some(token), Some(verifier)) => verifier.verify(&token).await.is_ok(),
            _ => false,
        };
        if !verified {
            return message(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
    }
    let Some(rule) = shared.rules.iter().find(|r| {
        r.patterns.iter().any(|p| alb_path_matches(p.as_bytes(), path.as_bytes()))
    }) else {
        let (status, body) = &shared.default;
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::NOT_FOUND);
        return (status, [("content-type", "application/json")], body.clone()).into_response();
    };
    let Some(target) = shared.targets.get(&rule.target_group) else {
        return message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable");
    };
    forward(&shared, request, *target).await
}

/// The request, proxied to `target` (HTTP_PROXY: method, path and query, headers and body as received).
async fn forward(shared: &Shared, request: Request, target: SocketAddr) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let base = format!("http://{target}");
    super::relay::relay(&shared.http, &parts, body, &base, shared.timeout)
        .await
        .unwrap_or_else(|_| message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"))
}

/// The verifier of a planned JWT authorizer: its issuer's pool and audiences, planned ids resolved.
fn authorizer(plane: &Plane, r: Resource<'_>) -> Option<Verifier> {
    let config = r.get("jwtConfiguration")?;
    let issuer = super::processes::resolve(config["issuer"].as_str()?, &plane.ids);
    let pool = issuer.rsplit('/').next()?.to_owned();
    let audiences = config["audiences"]
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str())
        .map(|a| plane.ids.get(a).cloned().unwrap_or_else(|| a.to_owned()))
        .collect();
    // The gateway authenticates only (a JWT authorizer without scopes); the services authorise.
    Some(Verifier::cognito_emulated(&plane.region, &pool, audiences, &plane.cx.endpoint, Roles::default()))
}

fn rules(graph: &Graph, listener: &str) -> Vec<ListenerRule> {
    let mut out: Vec<ListenerRule> = graph
        .of_type(RULE)
        .filter(|r| r.text("listenerArn").ok() == Some(listener))
        .filter_map(|r| {
            let target_group = r.list("actions").ok()?.iter().find_map(|a| a["targetGroupArn"].as_str())?;
            let patterns = r
                .list("conditions")
                .ok()?
                .iter()
                .flat_map(|c| c["pathPattern"]["values"].as_array().cloned().unwrap_or_default())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            Some(ListenerRule {
                priority: r.optional_count("priority").ok().flatten().unwrap_or(u64::MAX),
                patterns,
                target_group: target_group.to_owned(),
            })
        })
        .collect();
    out.sort_by_key(|r| r.priority);
    out
}

/// Serve the planned API on loopback, forwarding to `targets` (target group ARN → service address); its URL.
pub async fn start(plane: &Plane, targets: BTreeMap<String, SocketAddr>) -> anyhow::Result<String> {
    let graph = &plane.graph;
    let routes = graph
        .of_type(ROUTE)
        .filter_map(|r| {
            let (method, path) = r.text("routeKey").ok()?.split_once(' ')?;
            let jwt = r.optional_text("authorizationType").ok().flatten() == Some("JWT");
            Some(Route {
                method: method.to_owned(),
                segments: path.trim_start_matches('/').split('/').map(str::to_owned).collect(),
                authorizer: if jwt { r.optional_text("authorizerId").ok().flatten().map(str::to_owned) } else { None },
            })
        })
        .collect();
    let authorizers = graph
        .of_type(AUTHORIZER)
        .filter_map(|r| Some((r.planned_id(), authorizer(plane, r)?)))
        .collect();
    let integration = graph.of_type(INTEGRATION).next();
    let listener = integration.and_then(|i| i.optional_text("integrationUri").ok().flatten()).unwrap_or_default();
    let timeout = integration
        .and_then(|i| i.optional_count("timeoutMilliseconds").ok().flatten())
        .unwrap_or(30_000);
    let fixed = graph
        .of_type(LISTENER)
        .find(|l| tradai_stack_testing::is_arn_of(listener, l.0))
        .and_then(|l| l.list("defaultActions").ok()?.iter().find_map(|a| a.get("fixedResponse").filter(|f| !f.is_null()).cloned()))
        .unwrap_or(Value::Null);
    let default = (
        fixed["statusCode"].as_str().and_then(|s| s.parse().ok()).unwrap_or(404),
        fixed["messageBody"].as_str().unwrap_or("{}").to_owned(),
    );
    let shared = Arc::new(Shared {
        routes,
        authorizers,
        rules: rules(graph, listener),
        default,
        targets,
        timeout: Duration::from_millis(timeout),
        http: reqwest::Client::new(),
    });
    let app = axum::Router::new().fallback(handle).with_state(shared);
    let address = super::plane::serve_loopback(app).await?;
    Ok(format!("http://{address}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_path_patterns_match_as_api_gateway_and_the_alb_do() {
        let segments = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
        let route = segments("api/v1/backtests/{job_id}/equity");
        assert!(matches_route(&route, "/api/v1/backtests/42/equity"));
        assert!(!matches_route(&route, "/api/v1/backtests//equity"));
        assert!(!matches_route(&route, "/api/v1/backtests/42"));
        assert!(matches_route(&segments("api/{proxy+}"), "/api/a/b"));
        assert!(alb_path_matches(b"/api/v1/ohlcv*", b"/api/v1/ohlcv"));
        assert!(!alb_path_matches(b"/api/v1/ohlcv*", b"/api/v1/symbols"));
    }
}
