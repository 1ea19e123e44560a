//! The public ALB (reference §4.5): an ACM certificate for the configured domain, HTTP redirected to HTTPS,
//! and on HTTPS one target group per always-on service, reached by the service's path patterns.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{ComputeMode, Config, Layer};
use tradai_pulumi_aws::types::lb as lb_types;
use tradai_pulumi_aws::{acm, lb};
use tradai_stack_kit::{int, known_list, known_value, served_services, tags, Known};

/// ALB path-pattern conditions take at most this many values per rule.
const PATHS_PER_RULE: usize = 5;

/// One service's target group.
pub struct TargetGroup {
    pub arn: Output<String>,
    pub arn_suffix: Output<String>,
}

/// The balancer and what hangs off it.
pub struct Balancer {
    pub arn: Output<String>,
    pub arn_suffix: Output<String>,
    pub dns_name: Output<String>,
    pub https_listener_arn: Output<String>,
    pub target_groups: BTreeMap<String, TargetGroup>,
}

/// Create the certificate, the ALB, its listeners, target groups and path rules.
pub fn balancer(ctx: &Context, config: &Config, known: &Output<Known>) -> Balancer {
    let names = config.names();
    let s = config.settings();
    let certificate = acm::certificate::create(
        ctx,
        &names.resource("alb-certificate"),
        acm::certificate::CertificateArgs::builder()
            .domain_name(s.alb.domain_name.clone())
            .validation_method("DNS")
            .key_algorithm("EC_prime256v1")
            .tags(tags(config, Layer::Compute, "alb"))
            .build_struct(),
    );
    // Waits until the DNS validation record (see the certificate's domainValidationOptions) is in place.
    let validated = acm::certificate_validation::create(
        ctx,
        &names.resource("alb-certificate-validation"),
        acm::certificate_validation::CertificateValidationArgs::builder()
            .certificate_arn(certificate.arn)
            .build_struct(),
    );
    let alb_name = names.resource("alb");
    let alb = lb::load_balancer::create(
        ctx,
        &alb_name,
        lb::load_balancer::LoadBalancerArgs::builder()
            .name(alb_name.clone())
            .load_balancer_type("application")
            .internal(false)
            .security_groups(
                known_value(known, |k| &k.foundation.security_groups.alb).map(|id| vec![id]),
            )
            .subnets(known_list(known, |k| &k.foundation.public_subnet_ids))
            .idle_timeout(int(s.alb.idle_timeout_seconds))
            .drop_invalid_header_fields(true)
            .tags(tags(config, Layer::Compute, "alb"))
            .build_struct(),
    );
    lb::listener::create(
        ctx,
        &names.resource("alb-http"),
        lb::listener::ListenerArgs::builder()
            .load_balancer_arn(alb.arn.clone())
            .port(80)
            .protocol("HTTP")
            .default_actions(vec![lb_types::ListenerDefaultAction::builder()
                .type_("redirect")
                .redirect(
                    lb_types::ListenerDefaultActionRedirect::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code("HTTP_301")
                        .build_struct(),
                )
                .build_struct()])
            .tags(tags(config, Layer::Compute, "alb"))
            .build_struct(),
    );
    let https = lb::listener::create(
        ctx,
        &names.resource("alb-https"),
        lb::listener::ListenerArgs::builder()
            .load_balancer_arn(alb.arn.clone())
            .port(443)
            .protocol("HTTPS")
            .ssl_policy(s.alb.ssl_policy.clone())
            .certificate_arn(validated.certificate_arn)
            .default_actions(vec![lb_types::ListenerDefaultAction::builder()
                .type_("fixed-response")
                .fixed_response(
                    lb_types::ListenerDefaultActionFixedResponse::builder()
                        .content_type("application/json")
                        .status_code("404")
                        .message_body(r#"{"code":"NOT_FOUND","message":"no service serves this path","details":null}"#)
                        .build_struct(),
                )
                .build_struct()])
            .tags(tags(config, Layer::Compute, "alb"))
            .build_struct(),
    );
    let target_type = match s.compute.mode {
        ComputeMode::Fargate => "ip",
        ComputeMode::ConsolidatedEc2 => "instance",
    };
    let mut target_groups = BTreeMap::new();
    for key in served_services(config) {
        let service = &s.services[&key];
        let component = config.service_component(&key).unwrap_or(&key).to_owned();
        let name = names.ecs_service(&component);
        let port = service.port.unwrap_or_default();
        let group = lb::target_group::create(
            ctx,
            &name,
            lb::target_group::TargetGroupArgs::builder()
                .name(name.clone())
                .port(int(port))
                .protocol("HTTP")
                .target_type(target_type)
                .vpc_id(known_value(known, |k| &k.foundation.vpc_id))
                .deregistration_delay(int(s.alb.deregistration_delay_seconds))
                .health_check(
                    lb_types::TargetGroupHealthCheck::builder()
                        .enabled(true)
                        .path(service.health_path.clone().unwrap_or_else(|| "/".into()))
                        .matcher("200-399")
                        .interval(30)
                        .timeout(5)
                        .healthy_threshold(2)
                        .unhealthy_threshold(3)
                        .build_struct(),
                )
                .tags(tags(config, Layer::Compute, &component))
                .build_struct(),
        );
        for (index, paths) in service.alb_paths.chunks(PATHS_PER_RULE).enumerate() {
            let priority = service.alb_priority.unwrap_or_default() * 10 + index as u32;
            let paths = paths.to_vec();
            lb::listener_rule::create(
                ctx,
                &format!("{name}-rule-{index}"),
                lb::listener_rule::ListenerRuleArgs::builder()
                    .listener_arn(https.arn.clone())
                    .priority(int(priority))
                    .actions(group.arn.map(|arn| {
                        vec![lb_types::ListenerRuleAction::builder()
                            .type_("forward")
                            .target_group_arn(arn)
                            .build_struct()]
                    }))
                    .conditions(vec![lb_types::ListenerRuleCondition::builder()
                        .path_pattern(
                            lb_types::ListenerRuleConditionPathPattern::builder()
                                .values(paths)
                                .build_struct(),
                        )
                        .build_struct()])
                    .tags(tags(config, Layer::Compute, &component))
                    .build_struct(),
            );
        }
        target_groups.insert(
            key,
            TargetGroup {
                arn: group.arn,
                arn_suffix: group.arn_suffix,
            },
        );
    }
    Balancer {
        arn: alb.arn,
        arn_suffix: alb.arn_suffix,
        dns_name: alb.dns_name,
        https_listener_arn: https.arn,
        target_groups,
    }
}
