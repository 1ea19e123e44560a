//! The public HTTP API (reference §7.5): every configured route forwarded over a VPC link to the ALB's HTTPS
//! listener, a Cognito JWT authorizer on all but the public routes, throttling and JSON access logs.

use pulumi_gestalt_rust::{Context, Output};
use serde_json::json;
use tradai_config::{ApiRoute, Config, Layer};
use tradai_pulumi_aws::apigatewayv2;
use tradai_pulumi_aws::types::apigatewayv2 as types;
use tradai_stack_kit::{int, known_list, known_value, log_group, tags, Known};

/// The API and its stage.
pub struct Api {
    pub id: Output<String>,
    pub endpoint: Output<String>,
}

/// Access-log line: one JSON object per request.
fn access_log_format() -> String {
    json!({
        "requestId": "$context.requestId",
        "correlationId": "$context.requestHeader.X-Correlation-ID",
        "ip": "$context.identity.sourceIp",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "authorizerError": "$context.authorizer.error",
        "principal": "$context.authorizer.claims.sub",
    })
    .to_string()
}

/// `GET /api/v1/backtests/{job_id}` → `get-api-v1-backtests-job-id`: a route's stable resource name.
fn slug(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    for c in route.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Create the API, its authorizer, VPC link, integration, routes and stage.
pub fn api(ctx: &Context, config: &Config, known: &Output<Known>) -> Api {
    let names = config.names();
    let s = config.settings();
    let name = names.resource("api");
    let api = apigatewayv2::api::create(
        ctx,
        &name,
        apigatewayv2::api::ApiArgs::builder()
            .name(name.clone())
            .protocol_type("HTTP")
            .description(format!("TradAI public API ({})", config.env()))
            .tags(tags(config, Layer::Edge, "api"))
            .build_struct(),
    );
    let region = s.aws.region.clone();
    let jwt = known.map(move |known: Known| {
        types::AuthorizerJwtConfiguration::builder()
            .issuer(format!(
                "https://cognito-idp.{region}.amazonaws.com/{}",
                known.persistent.user_pool_id.as_str()
            ))
            .audiences(vec![
                known.persistent.public_client_id.as_str().to_owned(),
                known.persistent.m2m_client_id.as_str().to_owned(),
            ])
            .build_struct()
    });
    let authorizer = apigatewayv2::authorizer::create(
        ctx,
        &names.resource("api-authorizer"),
        apigatewayv2::authorizer::AuthorizerArgs::builder()
            .api_id(api.id.clone())
            .name(names.resource("api-authorizer"))
            .authorizer_type("JWT")
            .identity_sources(vec!["$request.header.Authorization".to_owned()])
            .jwt_configuration(jwt)
            .build_struct(),
    );
    let link = apigatewayv2::vpc_link::create(
        ctx,
        &names.resource("api-link"),
        apigatewayv2::vpc_link::VpcLinkArgs::builder()
            .name(names.resource("api-link"))
            .subnet_ids(known_list(known, |k| &k.foundation.private_subnet_ids))
            .security_group_ids(
                known_value(known, |k| &k.foundation.security_groups.api).map(|id| vec![id]),
            )
            .tags(tags(config, Layer::Edge, "api"))
            .build_struct(),
    );
    let integration = apigatewayv2::integration::create(
        ctx,
        &names.resource("api-alb"),
        apigatewayv2::integration::IntegrationArgs::builder()
            .api_id(api.id.clone())
            .integration_type("HTTP_PROXY")
            .integration_method("ANY")
            .connection_type("VPC_LINK")
            .connection_id(link.id)
            .integration_uri(known_value(known, |k| &k.compute.https_listener_arn))
            .payload_format_version("1.0")
            .timeout_milliseconds(30_000)
            .tls_config(
                types::IntegrationTlsConfig::builder()
                    .server_name_to_verify(s.alb.domain_name.clone())
                    .build_struct(),
            )
            .build_struct(),
    );
    let target = integration.id.map(|id| format!("integrations/{id}"));
    for key in &s.api.routes {
        let public = s.api.public_routes.contains(key);
        let route = ApiRoute::parse(key)
            .map(|r| format!("{}-{}", r.method, r.path))
            .unwrap_or_default();
        let builder = apigatewayv2::route::RouteArgs::builder()
            .api_id(api.id.clone())
            .route_key(key.clone())
            .target(target.clone())
            .operation_name(route);
        let args = if public {
            builder.authorization_type("NONE").build_struct()
        } else {
            builder
                .authorization_type("JWT")
                .authorizer_id(authorizer.id.clone())
                .build_struct()
        };
        // Named by the route, not its position: adding a route replaces no other.
        apigatewayv2::route::create(ctx, &format!("{name}-route-{}", slug(key)), args);
    }
    let logs = log_group(
        ctx,
        config,
        Layer::Edge,
        &format!("/aws/apigateway/{name}"),
        "api",
    );
    let stage = apigatewayv2::stage::create(
        ctx,
        &format!("{name}-default"),
        apigatewayv2::stage::StageArgs::builder()
            .api_id(api.id.clone())
            .name("$default")
            .auto_deploy(true)
            .default_route_settings(
                types::StageDefaultRouteSettings::builder()
                    .throttling_rate_limit(f64::from(s.api.throttling_rate_limit))
                    .throttling_burst_limit(int(s.api.throttling_burst_limit))
                    .detailed_metrics_enabled(true)
                    .build_struct(),
            )
            .access_log_settings(logs.arn.map(|arn| {
                types::StageAccessLogSettings::builder()
                    .destination_arn(arn)
                    .format(access_log_format())
                    .build_struct()
            }))
            .tags(tags(config, Layer::Edge, "api"))
            .build_struct(),
    );
    Api {
        id: api.id,
        endpoint: stage.invoke_url,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use tradai_config::{Environment, Loader};

    use super::slug;

    #[test]
    fn each_route_has_its_own_stable_name() {
        assert_eq!(
            slug("GET /api/v1/backtests/{job_id}"),
            "get-api-v1-backtests-job-id"
        );
        for env in Environment::ALL {
            let config = Loader::embedded()
                .without_env_vars()
                .load(env)
                .expect("valid");
            let routes = &config.settings().api.routes;
            let names: BTreeSet<String> = routes.iter().map(|r| slug(r)).collect();
            assert_eq!(names.len(), routes.len(), "{env}: two routes share a name");
        }
    }
}
