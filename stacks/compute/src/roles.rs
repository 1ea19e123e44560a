//! IAM roles of the containers and the workflows, each with one inline least-privilege policy built from
//! the config and the upstream values.

use std::sync::Arc;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::iam;
use tradai_stack_kit::{assume_role, tags, Known, PolicyBuilder, WildcardPolicy};

use crate::access::{Arns, EXECUTION_ROLE, STRATEGY_ROLE, TABLE_ACTIONS};

/// A role's ARN and name, and the id of its policy (an input depending on it waits for the role's grants).
#[derive(Clone)]
pub struct Role {
    pub arn: Output<String>,
    pub name: Output<String>,
    pub policy_id: Output<String>,
}

/// Create role `component` assumable by `service`, with the policy `policy` builds from the known values.
pub fn role(
    ctx: &Context,
    config: &Arc<Config>,
    known: &Output<Known>,
    component: &str,
    service: &str,
    policy: impl Fn(&Config, &Known) -> Result<String, WildcardPolicy> + Send + Sync + 'static,
) -> Role {
    let name = config.names().resource(component);
    let role = iam::role::create(
        ctx,
        &name,
        iam::role::RoleArgs::builder()
            .name(name.clone())
            .assume_role_policy(assume_role(service))
            .tags(tags(config, Layer::Compute, component))
            .build_struct(),
    );
    let document = {
        let config = Arc::clone(config);
        let component = component.to_owned();
        known.map(move |known: Known| {
            policy(&config, &known).unwrap_or_else(|e| panic!("policy of {component}: {e}"))
        })
    };
    let policy = iam::role_policy::create(
        ctx,
        &format!("{name}-policy"),
        iam::role_policy::RolePolicyArgs::builder()
            .role(role.name.clone())
            .policy(document)
            .build_struct(),
    );
    Role {
        arn: role.arn,
        name: role.name,
        policy_id: policy.id,
    }
}

/// The roles shared by the containers and the workflows.
pub struct Roles {
    /// Pulls images, writes container logs, reads the secrets injected into containers.
    pub execution: Role,
    /// What the always-on services may do.
    pub services: Role,
    /// What a strategy container (backtest or training run) may do.
    pub strategy: Role,
}

/// Every table, bucket, queue and topic of the config, as ARNs.
fn data_plane(config: &Config, known: &Known, policy: PolicyBuilder) -> PolicyBuilder {
    let arns = Arns { config, known };
    let s = config.settings();
    let tables: Vec<String> = s
        .tables
        .keys()
        .flat_map(|t| [arns.table(t), format!("{}/index/*", arns.table(t))])
        .collect();
    let buckets: Vec<String> = s.buckets.keys().map(|b| arns.bucket(b)).collect();
    let objects: Vec<String> = buckets.iter().map(|b| format!("{b}/*")).collect();
    policy
        .allow(&TABLE_ACTIONS, &tables)
        .allow(&["s3:ListBucket", "s3:GetBucketLocation"], &buckets)
        .allow(
            &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            &objects,
        )
}

/// Create the execution, services and strategy roles.
pub fn roles(ctx: &Context, config: &Arc<Config>, known: &Output<Known>) -> Roles {
    let execution = role(
        ctx,
        config,
        known,
        EXECUTION_ROLE,
        "ecs-tasks.amazonaws.com",
        |config, known| {
            let arns = Arns { config, known };
            PolicyBuilder::new()
                .allow(&["ecr:GetAuthorizationToken"], &["*"])
                .allow(
                    &[
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchCheckLayerAvailability",
                    ],
                    &[format!(
                        "arn:aws:ecr:{}:{}:repository/{}/{}/*",
                        config.settings().aws.region,
                        known.account(),
                        config.settings().project.name,
                        config.env()
                    )],
                )
                .allow(
                    &["logs:CreateLogStream", "logs:PutLogEvents"],
                    &[arns.log_group(&config.names().ecs_log_group())],
                )
                .allow(
                    &["secretsmanager:GetSecretValue"],
                    &[known.foundation.database_secret_arn.as_str()],
                )
                .build()
        },
    );
    let services = role(
        ctx,
        config,
        known,
        "services-task-role",
        "ecs-tasks.amazonaws.com",
        |config, known| {
            let arns = Arns { config, known };
            let s = config.settings();
            let queues: Vec<String> = s
                .queues
                .keys()
                .map(|q| known.queue_arn(q).to_owned())
                .collect();
            let topics: Vec<String> = s
                .topics
                .keys()
                .map(|t| known.topic_arn(t).to_owned())
                .collect();
            let machines: Vec<String> = s.workflows.keys().map(|w| arns.state_machine(w)).collect();
            let executions: Vec<String> = s.workflows.keys().map(|w| arns.executions(w)).collect();
            arns.run_strategy_tasks(data_plane(config, known, PolicyBuilder::new()))
                .allow(
                    &[
                        "sqs:GetQueueUrl",
                        "sqs:SendMessage",
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                    ],
                    &queues,
                )
                .allow(&["sns:Publish"], &topics)
                .allow(&["states:StartExecution"], &machines)
                .allow(
                    &["states:DescribeExecution", "states:StopExecution"],
                    &executions,
                )
                .allow(
                    &["logs:GetLogEvents", "logs:FilterLogEvents"],
                    &[arns.log_group(&config.names().ecs_log_group())],
                )
                .allow(&["cloudwatch:PutMetricData"], &["*"])
                .build()
        },
    );
    let strategy = role(
        ctx,
        config,
        known,
        STRATEGY_ROLE,
        "ecs-tasks.amazonaws.com",
        |config, known| {
            data_plane(config, known, PolicyBuilder::new())
                .allow(&["cloudwatch:PutMetricData"], &["*"])
                .build()
        },
    );
    Roles {
        execution,
        services,
        strategy,
    }
}
