//! `rate-limit-key`: when the API reaches the ALB through a VPC link, every request the ALB's web ACL sees
//! comes from the link's few addresses. A rate limit keyed on the source IP then counts all users together
//! (one user polling locks everyone out), so such a rule must be scoped down (to requests without a token),
//! and a per-caller rule must exist whose limit allows two jobs waited on at once.

use serde_json::Value;

use super::{violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let behind_link = of_type(graph, "aws:apigatewayv2/integration:Integration")
        .any(|i| i.inputs["connectionType"] == "VPC_LINK");
    if !behind_link {
        return;
    }
    for acl in of_type(graph, "aws:wafv2/webAcl:WebAcl") {
        let rules: Vec<Value> = acl.inputs["ruleJson"]
            .as_str()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default();
        let mut per_caller = None;
        for rule in &rules {
            let statement = &rule["Statement"]["RateBasedStatement"];
            let name = rule["Name"].as_str().unwrap_or_default();
            match statement["AggregateKeyType"].as_str() {
                Some("IP") if statement["ScopeDownStatement"].is_null() => out.push(violation(
                    "rate-limit-key",
                    acl,
                    format!(
                        "rule {name} limits every request per source IP, but behind the VPC link all users share the link's addresses"
                    ),
                )),
                Some("CUSTOM_KEYS" | "FORWARDED_IP") => {
                    per_caller = Some((name.to_owned(), statement));
                }
                _ => {}
            }
        }
        let Some((name, statement)) = per_caller else {
            out.push(violation(
                "rate-limit-key",
                acl,
                "no rate limit per caller: behind the VPC link only a token or forwarded-address key tells users apart".into(),
            ));
            continue;
        };
        let (Some(waiting), Some(limit), Some(window)) = (
            needs.waiting_requests,
            statement["Limit"].as_u64(),
            statement["EvaluationWindowSec"].as_u64(),
        ) else {
            continue;
        };
        let two_waits = 2 * waiting(window);
        if limit < two_waits {
            out.push(violation(
                "rate-limit-key",
                acl,
                format!(
                    "rule {name} allows {limit} requests per {window} s; a caller waiting on two jobs makes {two_waits}"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::planned;
    use super::*;

    fn graph(rules: Value) -> Vec<Planned> {
        vec![
            planned(
                "aws:apigatewayv2/integration:Integration",
                "api-alb",
                json!({"connectionType": "VPC_LINK"}),
            ),
            planned(
                "aws:wafv2/webAcl:WebAcl",
                "waf",
                json!({"ruleJson": rules.to_string()}),
            ),
        ]
    }

    fn details(rules: Value) -> Vec<String> {
        let needs = Needs {
            waiting_requests: Some(|window| window / 5),
            ..Needs::default()
        };
        let mut out = Vec::new();
        check(&graph(rules), &needs, &mut out);
        out.into_iter().map(|v| v.detail).collect()
    }

    fn rate(name: &str, statement: Value) -> Value {
        json!({"Name": name, "Statement": {"RateBasedStatement": statement}})
    }

    #[test]
    fn a_per_ip_limit_behind_the_vpc_link_is_reported() {
        let ip_only = json!([rate(
            "rate-limit",
            json!({"Limit": 100, "EvaluationWindowSec": 300, "AggregateKeyType": "IP"})
        )]);
        assert_eq!(
            details(ip_only),
            [
                "rule rate-limit limits every request per source IP, but behind the VPC link all users share the link's addresses",
                "no rate limit per caller: behind the VPC link only a token or forwarded-address key tells users apart",
            ]
        );
    }

    #[test]
    fn the_per_caller_limit_must_allow_two_waits() {
        let rules = |limit: u64| {
            json!([
                rate(
                    "per-caller",
                    json!({"Limit": limit, "EvaluationWindowSec": 300, "AggregateKeyType": "CUSTOM_KEYS"})
                ),
                rate(
                    "anonymous",
                    json!({"Limit": 100, "EvaluationWindowSec": 300, "AggregateKeyType": "IP",
                    "ScopeDownStatement": {"NotStatement": {}}})
                ),
            ])
        };
        assert_eq!(details(rules(120)), Vec::<String>::new());
        assert_eq!(
            details(rules(100)),
            ["rule per-caller allows 100 requests per 300 s; a caller waiting on two jobs makes 120"]
        );
    }
}
