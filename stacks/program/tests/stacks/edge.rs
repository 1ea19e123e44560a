//! Edge layer, run after the three layers below and reading their exports through StackReferences.

use serde_json::{json, Value};
use tradai_config::{Environment, Layer};

use crate::{config, graph, of_type, run_layer, upstream_exports};

fn export<'a>(upstream: &'a serde_json::Map<String, Value>, stack: &str, key: &str) -> &'a str {
    upstream[stack][key]
        .as_str()
        .unwrap_or_else(|| panic!("{stack} exports {key}"))
}

/// Every configured route, public ones without auth and the rest behind the Cognito JWT authorizer, forwarded
/// over the VPC link to compute's HTTPS listener.
#[tokio::test]
async fn api_routes_and_authorizer_follow_the_config_and_upstream() {
    let env = Environment::Dev;
    let config = config(env);
    let upstream = upstream_exports(Layer::Edge, env).await;
    let run = run_layer(Layer::Edge, env, upstream.clone()).await;
    let persistent = config.stack_reference(Layer::Persistent);
    let foundation = config.stack_reference(Layer::Foundation);
    let compute = config.stack_reference(Layer::Compute);
    let routes = of_type(&run, "aws:apigatewayv2/route:Route");
    assert_eq!(routes.len(), config.settings().api.routes.len());
    for route in &routes {
        let key = route.inputs["routeKey"].as_str().expect("key");
        let public = config.settings().api.public_routes.iter().any(|p| p == key);
        let expected = if public { "NONE" } else { "JWT" };
        assert_eq!(route.inputs["authorizationType"], expected, "{key}");
    }
    let authorizer = of_type(&run, "aws:apigatewayv2/authorizer:Authorizer");
    let jwt = &authorizer[0].inputs["jwtConfiguration"];
    assert_eq!(
        jwt["issuer"],
        format!(
            "https://cognito-idp.eu-central-1.amazonaws.com/{}",
            export(&upstream, &persistent, "user_pool_id")
        )
    );
    assert_eq!(
        jwt["audiences"],
        json!([
            export(&upstream, &persistent, "public_client_id"),
            export(&upstream, &persistent, "m2m_client_id")
        ])
    );
    let integration = of_type(&run, "aws:apigatewayv2/integration:Integration");
    assert_eq!(
        integration[0].inputs["integrationUri"],
        export(&upstream, &compute, "https_listener_arn")
    );
    assert_eq!(integration[0].inputs["connectionType"], "VPC_LINK");
    let link = of_type(&run, "aws:apigatewayv2/vpcLink:VpcLink");
    let subnets: Vec<&str> = export(&upstream, &foundation, "private_subnet_ids")
        .split(',')
        .collect();
    assert_eq!(link[0].inputs["subnetIds"], json!(subnets));
    let stage = of_type(&run, "aws:apigatewayv2/stage:Stage");
    assert_eq!(
        stage[0].inputs["defaultRouteSettings"]["throttlingRateLimit"],
        json!(f64::from(config.settings().api.throttling_rate_limit))
    );
}

/// The web ACL limits each caller and each anonymous IP to the configured rates, runs the managed groups, and
/// guards compute's ALB.
#[tokio::test]
async fn the_web_acl_guards_the_alb_with_the_configured_rules() {
    let env = Environment::Prod;
    let config = config(env);
    let upstream = upstream_exports(Layer::Edge, env).await;
    let run = run_layer(Layer::Edge, env, upstream.clone()).await;
    let acl = of_type(&run, "aws:wafv2/webAcl:WebAcl");
    let rules: Value =
        serde_json::from_str(acl[0].inputs["ruleJson"].as_str().expect("rules")).expect("json");
    let waf = &config.settings().waf;
    // Authenticated callers are limited per token; only requests without one per source IP.
    let per_caller = &rules[0]["Statement"]["RateBasedStatement"];
    assert_eq!(
        (&per_caller["Limit"], &per_caller["AggregateKeyType"]),
        (&json!(waf.per_caller_rate_limit), &json!("CUSTOM_KEYS"))
    );
    let anonymous = &rules[1]["Statement"]["RateBasedStatement"];
    assert_eq!(
        (&anonymous["Limit"], &anonymous["AggregateKeyType"]),
        (&json!(waf.rate_limit), &json!("IP"))
    );
    assert!(anonymous["ScopeDownStatement"]["NotStatement"].is_object());
    assert_eq!(
        per_caller["EvaluationWindowSec"],
        json!(waf.rate_limit_window_seconds)
    );
    let groups: Vec<&str> = rules.as_array().expect("rules")[2..]
        .iter()
        .map(|r| {
            r["Statement"]["ManagedRuleGroupStatement"]["Name"]
                .as_str()
                .expect("name")
        })
        .collect();
    assert_eq!(groups, waf.managed_rule_groups);
    let association = of_type(&run, "aws:wafv2/webAclAssociation:WebAclAssociation");
    assert_eq!(
        association[0].inputs["resourceArn"],
        export(
            &upstream,
            &config.stack_reference(Layer::Compute),
            "alb_arn"
        )
    );
}

/// Every alarm acts on foundation's alerts topic; the dashboard is `tradai-{env}`.
#[tokio::test]
async fn alarms_notify_the_alerts_topic() {
    let env = Environment::Staging;
    let config = config(env);
    let upstream = upstream_exports(Layer::Edge, env).await;
    let run = run_layer(Layer::Edge, env, upstream.clone()).await;
    let topic = export(
        &upstream,
        &config.stack_reference(Layer::Foundation),
        "topic_arn_alerts",
    );
    let alarms = of_type(&run, "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert_eq!(alarms.len(), tradai_stack_edge::alarms(&config).len());
    for alarm in &alarms {
        assert_eq!(alarm.inputs["alarmActions"][0], topic, "{}", alarm.name);
    }
    let unhealthy = alarms
        .iter()
        .find(|a| a.name == "tradai-staging-backend-unhealthy")
        .expect("alarm");
    assert_eq!(
        unhealthy.inputs["dimensions"]["TargetGroup"],
        export(
            &upstream,
            &config.stack_reference(Layer::Compute),
            "target_group_arn_suffix_backend_api"
        )
    );
    let dashboard = of_type(&run, "aws:cloudwatch/dashboard:Dashboard");
    assert_eq!(dashboard[0].inputs["dashboardName"], "tradai-staging");
    assert_eq!(
        run.recording
            .exports
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .len(),
        tradai_stack_edge::EXPORTS.len()
    );
}

/// The edge graph of every environment, pinned.
#[tokio::test]
async fn resource_graph_snapshots() {
    for env in Environment::ALL {
        let upstream = upstream_exports(Layer::Edge, env).await;
        let run = run_layer(Layer::Edge, env, upstream).await;
        insta::assert_json_snapshot!(format!("edge_{env}"), graph(&run));
    }
}
