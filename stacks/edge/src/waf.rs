//! The WAF web ACL (reference §5.3): rate limits from the config and the configured AWS managed rule groups.
//! HTTP APIs cannot carry a web ACL, so it is associated with the ALB every API request passes through, which
//! also covers requests that reach the public ALB directly (decision I16). Behind the API's VPC link every
//! request's source address is one of the link's, so authenticated requests are limited per bearer token and
//! only unauthenticated ones per source IP (decision W23).

use pulumi_gestalt_rust::{Context, Output};
use serde_json::{json, Value};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::types::wafv2 as types;
use tradai_pulumi_aws::wafv2;
use tradai_stack_kit::{known_value, tags, Known};

fn visibility(metric: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric})
}

/// The rules in the WAFv2 API's JSON form: the rate limit first, then each managed group.
pub fn rules(config: &Config) -> Value {
    let waf = &config.settings().waf;
    let prefix = config.names().environment_wide();
    let has_token = json!({"SizeConstraintStatement": {
        "FieldToMatch": {"SingleHeader": {"Name": "authorization"}},
        "ComparisonOperator": "GT",
        "Size": 0,
        "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
    }});
    let mut rules = vec![
        json!({
            "Name": "rate-limit-per-caller",
            "Priority": 0,
            "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {
                "Limit": waf.per_caller_rate_limit,
                "EvaluationWindowSec": waf.rate_limit_window_seconds,
                "AggregateKeyType": "CUSTOM_KEYS",
                "CustomKeys": [{"Header": {"Name": "authorization", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}],
            }},
            "VisibilityConfig": visibility(&format!("{prefix}-rate-limit-per-caller")),
        }),
        json!({
            "Name": "rate-limit-anonymous",
            "Priority": 1,
            "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {
                "Limit": waf.rate_limit,
                "EvaluationWindowSec": waf.rate_limit_window_seconds,
                "AggregateKeyType": "IP",
                "ScopeDownStatement": {"NotStatement": {"Statement": has_token}},
            }},
            "VisibilityConfig": visibility(&format!("{prefix}-rate-limit-anonymous")),
        }),
    ];
    for (index, group) in waf.managed_rule_groups.iter().enumerate() {
        rules.push(json!({
            "Name": group,
            "Priority": index + 2,
            "OverrideAction": {"None": {}},
            "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": group}},
            "VisibilityConfig": visibility(&format!("{prefix}-{group}")),
        }));
    }
    Value::Array(rules)
}

/// Create the web ACL and associate it with the ALB.
pub fn web_acl(ctx: &Context, config: &Config, known: &Output<Known>) -> Output<String> {
    let names = config.names();
    let name = names.resource("waf");
    let acl = wafv2::web_acl::create(
        ctx,
        &name,
        wafv2::web_acl::WebAclArgs::builder()
            .name(name.clone())
            .scope("REGIONAL")
            .description(format!("TradAI API protection ({})", config.env()))
            .default_action(
                types::WebAclDefaultAction::builder()
                    .allow(types::WebAclDefaultActionAllow::builder().build_struct())
                    .build_struct(),
            )
            .rule_json(rules(config).to_string())
            .visibility_config(
                types::WebAclVisibilityConfig::builder()
                    .cloudwatch_metrics_enabled(true)
                    .metric_name(name.clone())
                    .sampled_requests_enabled(true)
                    .build_struct(),
            )
            .tags(tags(config, Layer::Edge, "waf"))
            .build_struct(),
    );
    wafv2::web_acl_association::create(
        ctx,
        &format!("{name}-alb"),
        wafv2::web_acl_association::WebAclAssociationArgs::builder()
            .resource_arn(known_value(known, |k| &k.compute.alb_arn))
            .web_acl_arn(acl.arn.clone())
            .build_struct(),
    );
    acl.arn
}
