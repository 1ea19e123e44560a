//! `route-reachable`: every route a service's OpenAPI document declares is reached from the public API (API
//! route → ALB rule → target group → ECS service → the container serving it, or one that forwards it there),
//! and every API route ends at a service that serves it. `public-surface`: the internet-facing ALB reaches
//! only services that authenticate their callers.

use std::collections::{BTreeMap, BTreeSet};

use super::{violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

/// `GET /api/v1/backtests/{job_id}` → `GET /api/v1/backtests/{}`: routes compare without parameter names.
fn normalized(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    let mut depth = 0;
    for c in route.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// An ALB path pattern (`*` any run of characters, `?` one) against a path.
pub fn glob(pattern: &[u8], path: &[u8]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], path) || (!path.is_empty() && glob(pattern, &path[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &path[1..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[1..], &path[1..]),
        _ => false,
    }
}

/// A listener rule: its priority, path patterns and the target group it forwards to.
struct Rule<'a> {
    resource: &'a Planned,
    priority: f64,
    patterns: Vec<String>,
    target_group: String,
}

fn rules(graph: &[Planned]) -> Vec<Rule<'_>> {
    let mut rules: Vec<Rule> = of_type(graph, "aws:lb/listenerRule:ListenerRule")
        .map(|r| Rule {
            resource: r,
            priority: r.inputs["priority"].as_f64().unwrap_or(f64::MAX),
            patterns: r.inputs["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| {
                    c["pathPattern"]["values"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            target_group: r.inputs["actions"][0]["targetGroupArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
        .collect();
    rules.sort_by(|a, b| a.priority.total_cmp(&b.priority));
    rules
}

/// Which container (service key) each target group's ECS service registers.
fn target_containers(graph: &[Planned]) -> BTreeMap<String, String> {
    of_type(graph, "aws:ecs/service:Service")
        .flat_map(|s| {
            s.inputs["loadBalancers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|lb| {
            Some((
                lb["targetGroupArn"].as_str()?.to_owned(),
                lb["containerName"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let rules = rules(graph);
    let containers = target_containers(graph);
    let serves = |key: &str, route: &str| {
        needs.containers.get(key).is_some_and(|b| {
            b.routes
                .iter()
                .chain(needs.forwarded.get(key).into_iter().flatten())
                .any(|r| normalized(r) == route)
        })
    };
    // Where each API route ends: the service key its ALB rule reaches.
    let mut reached: BTreeMap<String, String> = BTreeMap::new();
    for route in of_type(graph, "aws:apigatewayv2/route:Route") {
        let key = route.inputs["routeKey"].as_str().unwrap_or_default();
        let wanted = normalized(key);
        let path = wanted
            .split_once(' ')
            .map(|(_, p)| p)
            .unwrap_or("")
            .replace("{}", "p");
        let rule = rules.iter().find(|r| {
            r.patterns
                .iter()
                .any(|p| glob(p.as_bytes(), path.as_bytes()))
        });
        let Some(rule) = rule else {
            out.push(violation(
                "route-reachable",
                route,
                format!("{key}: no ALB rule matches {path}"),
            ));
            continue;
        };
        let Some(service) = containers.get(&rule.target_group) else {
            out.push(violation(
                "route-reachable",
                rule.resource,
                format!(
                    "{key}: the rule's target group {} has no ECS service",
                    rule.target_group
                ),
            ));
            continue;
        };
        if !serves(service, &wanted) {
            out.push(violation(
                "route-reachable",
                route,
                format!(
                    "{key}: its ALB rule ({}) reaches {service}, which does not serve it",
                    rule.resource.name
                ),
            ));
            continue;
        }
        reached.insert(wanted, service.clone());
    }
    let public =
        of_type(graph, "aws:lb/loadBalancer:LoadBalancer").any(|lb| lb.inputs["internal"] != true);
    let mut flagged = BTreeSet::new();
    for rule in &rules {
        let Some(service) = containers.get(&rule.target_group) else {
            continue;
        };
        if public && !needs.containers.contains_key(service) && flagged.insert(service.clone()) {
            out.push(violation(
                "public-surface",
                rule.resource,
                format!(
                    "the internet-facing ALB forwards {} to {service}, which does not authenticate its callers",
                    rule.patterns.join(", ")
                ),
            ));
        }
    }
    let anchor = of_type(graph, "aws:apigatewayv2/api:Api").next();
    for (key, routes) in &needs.forwarded {
        for route in routes {
            let wanted = normalized(route);
            let served = needs
                .containers
                .iter()
                .any(|(other, b)| other != key && b.routes.iter().any(|r| normalized(r) == wanted));
            if let (false, Some(anchor)) = (served, anchor) {
                out.push(violation(
                    "route-reachable",
                    anchor,
                    format!("{key} forwards {route}, which no other service serves"),
                ));
            }
        }
    }
    for (key, binary) in &needs.containers {
        for route in &binary.routes {
            let wanted = normalized(route);
            if !reached.contains_key(&wanted) {
                if let Some(anchor) = anchor {
                    out.push(violation(
                        "route-reachable",
                        anchor,
                        format!("{route} of {key} ({}) is not reachable: no API route leads to a service serving it", binary.name),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::planned;
    use super::super::Binary;
    use super::*;

    fn graph(backend_paths: &[&str]) -> Vec<Planned> {
        let rule = |name: &str, priority: f64, paths: &[&str], group: &str| {
            planned(
                "aws:lb/listenerRule:ListenerRule",
                name,
                json!({"priority": priority, "conditions": [{"pathPattern": {"values": paths}}],
                       "actions": [{"type": "forward", "targetGroupArn": group}]}),
            )
        };
        let service = |name: &str, group: &str, container: &str| {
            planned(
                "aws:ecs/service:Service",
                name,
                json!({"loadBalancers": [{"targetGroupArn": group, "containerName": container}]}),
            )
        };
        let route = |key: &str| {
            planned(
                "aws:apigatewayv2/route:Route",
                key,
                json!({"routeKey": key}),
            )
        };
        vec![
            planned("aws:apigatewayv2/api:Api", "tradai-api-dev", json!({})),
            planned(
                "aws:lb/loadBalancer:LoadBalancer",
                "tradai-alb-dev",
                json!({"internal": false}),
            ),
            rule("backend-rule", 1000.0, backend_paths, "tg/backend"),
            rule(
                "strategy-rule",
                200.0,
                &["/api/v1/hyperopt*"],
                "tg/strategy",
            ),
            rule("mlflow-rule", 300.0, &["/mlflow/*"], "tg/mlflow"),
            service("backend", "tg/backend", "backend-api"),
            service("strategy", "tg/strategy", "strategy-service"),
            service("mlflow", "tg/mlflow", "mlflow"),
            route("GET /api/v1/backtests/{job_id}"),
            route("GET /api/v1/strategies/{name}"),
        ]
    }

    fn needs() -> Needs {
        let mut needs = Needs::default();
        let binary = |name: &str, routes: &[&str]| Binary {
            name: name.into(),
            routes: routes.iter().map(|r| (*r).to_owned()).collect(),
            ..Binary::default()
        };
        needs.containers.insert(
            "backend-api".into(),
            binary("tradai-backend", &["GET /api/v1/backtests/{id}"]),
        );
        needs.containers.insert(
            "strategy-service".into(),
            binary(
                "tradai-strategy",
                &[
                    "GET /api/v1/strategies/{name}",
                    "POST /api/v1/strategies/{name}/validate",
                ],
            ),
        );
        needs.forwarded.insert(
            "backend-api".into(),
            vec!["GET /api/v1/strategies/{name}".into()],
        );
        needs
    }

    fn details(graph: &[Planned], needs: &Needs) -> Vec<String> {
        let mut out = Vec::new();
        check(graph, needs, &mut out);
        out.into_iter()
            .map(|v| format!("[{}] {}", v.rule, v.detail))
            .collect()
    }

    #[test]
    fn a_route_no_api_route_leads_to_is_unreachable_and_mlflow_is_a_public_surface() {
        assert_eq!(
            details(&graph(&["/api/v1/*"]), &needs()),
            [
                "[public-surface] the internet-facing ALB forwards /mlflow/* to mlflow, which does not authenticate its callers",
                "[route-reachable] POST /api/v1/strategies/{name}/validate of strategy-service (tradai-strategy) is not reachable: no API route leads to a service serving it",
            ]
        );
    }

    #[test]
    fn an_api_route_must_end_at_a_service_serving_it() {
        let mut needs = needs();
        needs
            .forwarded
            .insert("backend-api".into(), vec!["GET /api/v1/nowhere".into()]);
        let found = details(&graph(&["/api/v1/backtests*"]), &needs);
        assert!(found.contains(&"[route-reachable] backend-api forwards GET /api/v1/nowhere, which no other service serves".to_owned()), "{found:?}");
        assert!(found.contains(&"[route-reachable] GET /api/v1/strategies/{name}: no ALB rule matches /api/v1/strategies/p".to_owned()), "{found:?}");
        let found = details(&graph(&["/api/v1/*"]), &needs);
        assert!(found.contains(&"[route-reachable] GET /api/v1/strategies/{name}: its ALB rule (backend-rule) reaches backend-api, which does not serve it".to_owned()), "{found:?}");
    }

    #[test]
    fn alb_patterns_match_like_the_alb() {
        assert!(glob(b"/api/v1/*", b"/api/v1/backtests/p"));
        assert!(glob(b"/api/v1/sync*", b"/api/v1/sync"));
        assert!(!glob(b"/mlflow/*", b"/mlflow"));
        assert!(glob(b"/a?c", b"/abc"));
        assert_eq!(normalized("GET /a/{x}/b/{y}"), "GET /a/{}/b/{}");
    }
}
