//! The Lambda functions (reference §10): container images from their ECR repositories, memory, timeout and
//! environment from the config, one role each with only what its references and triggers need, a log group
//! with the configured retention, and their triggers (SQS event sources, schedules, the NAT launch rule,
//! alarm invocations).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Architecture, Config, Layer, Trigger};
use tradai_pulumi_aws::types::lambda as lambda_types;
use tradai_pulumi_aws::{cloudwatch, lambda};
use tradai_stack_kit::{known_value, log_group, tags, Known};

use crate::access::{lambda_policy, resolve, Arns};
use crate::roles::role;

/// A created function.
pub struct Function {
    pub arn: Output<String>,
    pub name: Output<String>,
    /// The id of its role's policy: what depends on it runs once the function may act.
    pub policy_id: Output<String>,
}

/// Create every function and its triggers.
pub fn functions(
    ctx: &Context,
    config: &Arc<Config>,
    known: &Output<Known>,
) -> BTreeMap<String, Function> {
    let names = config.names();
    let s = config.settings();
    let mut functions = BTreeMap::new();
    for (key, spec) in &s.lambdas {
        let function_name = names.function(key).to_string();
        let component = format!("lambda-{key}");
        let logs = log_group(
            ctx,
            config,
            Layer::Compute,
            &names.lambda_log_group(key),
            &component,
        )
        .name;
        let execution = {
            let key = key.clone();
            role(
                ctx,
                config,
                known,
                &format!("{key}-role"),
                "lambda.amazonaws.com",
                move |config, known| lambda_policy(config, known, &key),
            )
        };
        let variables = {
            let config = Arc::clone(config);
            let key = key.clone();
            known.map(move |known: Known| {
                let mut env: HashMap<String, String> = config
                    .lambda_env(&key)
                    .unwrap_or_default()
                    .iter()
                    .map(|(name, value)| (name.clone(), resolve(&config, &known, value)))
                    .collect();
                // Every function runs the one Lambda image; this picks its handler (decision B6).
                env.insert("TRADAI_HANDLER".to_owned(), key.clone());
                lambda_types::FunctionEnvironment::builder()
                    .variables(env)
                    .build_struct()
            })
        };
        let image = {
            let tag = s.compute.image_tag.clone();
            let repository = format!("lambda-{key}");
            known.map(move |k: Known| format!("{}:{tag}", k.ecr_url(&repository)))
        };
        let vpc = spec.vpc.then(|| {
            known.map(|k: Known| {
                lambda_types::FunctionVpcConfig::builder()
                    .subnet_ids(k.foundation.private_subnet_ids.clone())
                    .security_group_ids(vec![k.foundation.security_groups.lambda.clone()])
                    .build_struct()
            })
        });
        let architecture = match spec.architecture {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        };
        let function = lambda::function::create(
            ctx,
            &function_name,
            lambda::function::FunctionArgs::builder()
                .name(function_name.clone())
                .package_type("Image")
                .image_uri(image)
                .role(execution.arn.clone())
                .architectures(vec![architecture.to_owned()])
                .memory_size(f64::from(spec.memory_mb))
                .timeout(f64::from(spec.timeout_seconds))
                .environment(variables)
                .maybe_vpc_config(vpc)
                .maybe_reserved_concurrent_executions(spec.reserved_concurrency.map(f64::from))
                .logging_config(logs.map(|group| {
                    lambda_types::FunctionLoggingConfig::builder()
                        .log_format("JSON")
                        .log_group(group)
                        .build_struct()
                }))
                .tags(tags(config, Layer::Compute, &component))
                .build_struct(),
        );
        let function = Function {
            arn: function.arn,
            name: function.name,
            policy_id: execution.policy_id,
        };
        triggers(ctx, config, known, key, &function);
        functions.insert(key.clone(), function);
    }
    functions
}

/// Allow `principal` to invoke `function` from `source_arn`.
fn permission(
    ctx: &Context,
    name: &str,
    function: &Function,
    principal: &str,
    source_arn: Output<String>,
) {
    lambda::permission::create(
        ctx,
        name,
        lambda::permission::PermissionArgs::builder()
            .action("lambda:InvokeFunction")
            .function(function.name.clone())
            .principal(principal)
            .source_arn(source_arn)
            .build_struct(),
    );
}

/// The event sources and invoke permissions of function `key`.
fn triggers(
    ctx: &Context,
    config: &Arc<Config>,
    known: &Output<Known>,
    key: &str,
    function: &Function,
) {
    let names = config.names();
    let spec = &config.settings().lambdas[key];
    let base = names.resource(key);
    for (index, trigger) in spec.triggers.iter().enumerate() {
        let id = format!("{base}-trigger-{index}");
        match trigger {
            Trigger::Sqs { queue, batch_size } => {
                lambda::event_source_mapping::create(
                    ctx,
                    &id,
                    lambda::event_source_mapping::EventSourceMappingArgs::builder()
                        .event_source_arn({
                            let queue = queue.clone();
                            known.map(move |k: Known| k.queue_arn(&queue).to_owned())
                        })
                        .function_name(function.arn.clone())
                        .batch_size(f64::from(*batch_size))
                        .function_response_types(vec!["ReportBatchItemFailures".to_owned()])
                        .enabled(true)
                        .tags(tags(config, Layer::Compute, &format!("lambda-{key}")))
                        .build_struct(),
                );
            }
            Trigger::Schedule { expression } => {
                let rule = cloudwatch::event_rule::create(
                    ctx,
                    &id,
                    cloudwatch::event_rule::EventRuleArgs::builder()
                        .name(id.clone())
                        .description(format!("invokes {} on {expression}", names.function(key)))
                        .schedule_expression(expression.clone())
                        .tags(tags(config, Layer::Compute, &format!("lambda-{key}")))
                        .build_struct(),
                );
                target(ctx, &id, rule.name, function);
                permission(
                    ctx,
                    &format!("{id}-permission"),
                    function,
                    "events.amazonaws.com",
                    rule.arn,
                );
            }
            Trigger::AsgLifecycle { .. } => {
                // The rule lives in the foundation layer, next to the group; it exists in NAT-instance mode only.
                let config = Arc::clone(config);
                let Some(rule_name) = (config.settings().network.nat.mode
                    == tradai_config::NatMode::Instance)
                    .then(|| known_value(known, |k| k.nat_instance().0))
                else {
                    continue;
                };
                let rule_arn = known.map(move |known: Known| {
                    Arns {
                        config: &config,
                        known: &known,
                    }
                    .events_rule(known.nat_instance().0)
                });
                target(ctx, &id, rule_name, function);
                permission(
                    ctx,
                    &format!("{id}-permission"),
                    function,
                    "events.amazonaws.com",
                    rule_arn,
                );
                reconcile(ctx, &format!("{id}-reconcile"), known, function);
            }
            Trigger::Alarm => {
                let config = Arc::clone(config);
                let alarms = known.map(move |known: Known| {
                    format!(
                        "arn:aws:cloudwatch:{}:{}:alarm:{}-*",
                        config.settings().aws.region,
                        known.account(),
                        config.names().environment_wide()
                    )
                });
                permission(
                    ctx,
                    &id,
                    function,
                    "lambda.alarms.cloudwatch.amazonaws.com",
                    alarms,
                );
            }
            Trigger::Workflow { .. } | Trigger::Direct => {}
        }
    }
}

/// Invoke the NAT route function once with the group's name when the layer is deployed (again whenever the
/// group changes): the group's first instance launched with the foundation layer, before the function
/// existed to receive its lifecycle event, so without this no private default route would exist (W29). The
/// input waits for the function's policy, so the call runs with the function's grants in place.
fn reconcile(ctx: &Context, id: &str, known: &Output<Known>, function: &Function) {
    let inputs = pulumi_gestalt_rust::pulumi_combine!(known.clone(), function.policy_id.clone());
    let input = inputs.map(|(known, _policy): (Known, String)| {
        serde_json::json!({"AutoScalingGroupName": known.nat_instance().2}).to_string()
    });
    lambda::invocation::create(
        ctx,
        id,
        lambda::invocation::InvocationArgs::builder()
            .function_name(function.name.clone())
            .input(input)
            .build_struct(),
    );
}

/// Send the events of `rule` to `function`.
fn target(ctx: &Context, id: &str, rule: Output<String>, function: &Function) {
    cloudwatch::event_target::create(
        ctx,
        &format!("{id}-target"),
        cloudwatch::event_target::EventTargetArgs::builder()
            .rule(rule)
            .arn(function.arn.clone())
            .build_struct(),
    );
}
