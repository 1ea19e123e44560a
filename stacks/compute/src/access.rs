//! Deploy-time values and least-privilege policies, derived from the config and the upstream layers' values:
//! a Lambda's environment resolves its `${…}` references, and its policy grants exactly what those references
//! and its triggers need.

use tradai_config::{Config, EnvValue, ServiceKind, Trigger};
use tradai_stack_kit::{Known, PolicyBuilder, WildcardPolicy};

/// ARNs of this environment's resources.
pub struct Arns<'a> {
    pub config: &'a Config,
    pub known: &'a Known,
}

impl Arns<'_> {
    fn region(&self) -> &str {
        &self.config.settings().aws.region
    }

    fn prefix(&self, service: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}",
            self.region(),
            self.known.account()
        )
    }

    pub fn table(&self, key: &str) -> String {
        self.table_named(self.known.table(key))
    }

    /// The ARN of the table called `name`.
    pub fn table_named(&self, name: &str) -> String {
        format!("{}:table/{name}", self.prefix("dynamodb"))
    }

    /// The ARN of Lambda `key` (it follows from the function's name).
    pub fn function(&self, key: &str) -> String {
        format!(
            "{}:function:{}",
            self.prefix("lambda"),
            self.config.names().function(key)
        )
    }

    pub fn bucket(&self, key: &str) -> String {
        format!("arn:aws:s3:::{}", self.known.bucket(key))
    }

    pub fn state_machine(&self, key: &str) -> String {
        format!(
            "{}:stateMachine:{}",
            self.prefix("states"),
            self.config.names().state_machine(key)
        )
    }

    pub fn executions(&self, key: &str) -> String {
        format!(
            "{}:execution:{}:*",
            self.prefix("states"),
            self.config.names().state_machine(key)
        )
    }

    pub fn log_group(&self, name: &str) -> String {
        format!("{}:log-group:{name}:*", self.prefix("logs"))
    }

    pub fn role(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.known.account())
    }

    /// Every revision of the strategy task families (`tradai-strategy-*-<env>`: the generic runner and any
    /// strategy-specific family) and of the per-strategy services' families (live and dry-run trading, which
    /// the backend starts for a strategy).
    pub fn strategy_task_definitions(&self) -> Vec<String> {
        let names = self.config.names();
        let family = |name: String| format!("{}:task-definition/{name}:*", self.prefix("ecs"));
        let mut out = vec![family(names.resource("strategy-*"))];
        for (key, spec) in &self.config.settings().services {
            if spec.kind == ServiceKind::PerStrategy {
                let component = self.config.service_component(key).unwrap_or(key);
                out.push(family(names.ecs_service(component)));
            }
        }
        out
    }

    pub fn cluster(&self) -> String {
        format!(
            "{}:cluster/{}",
            self.prefix("ecs"),
            self.config.names().ecs_cluster()
        )
    }

    /// Every container instance of the cluster (the ECS agent's polls and telemetry).
    pub fn container_instances(&self) -> String {
        format!(
            "{}:container-instance/{}/*",
            self.prefix("ecs"),
            self.config.names().ecs_cluster()
        )
    }

    pub fn tasks(&self) -> String {
        format!(
            "{}:task/{}/*",
            self.prefix("ecs"),
            self.config.names().ecs_cluster()
        )
    }

    pub fn events_rule(&self, name: &str) -> String {
        format!("{}:rule/{name}", self.prefix("events"))
    }

    /// Run, watch and stop strategy tasks, passing them the task roles.
    pub fn run_strategy_tasks(&self, policy: PolicyBuilder) -> PolicyBuilder {
        let roles: Vec<String> = task_role_names(self.config)
            .iter()
            .map(|r| self.role(r))
            .collect();
        policy
            .allow(&["ecs:RunTask"], &self.strategy_task_definitions())
            .allow(
                &["ecs:StopTask", "ecs:DescribeTasks", "ecs:TagResource"],
                &[self.tasks()],
            )
            .allow(&["ecs:ListTasks"], &["*"])
            .allow(&["iam:PassRole"], &roles)
    }
}

/// The value of a Lambda environment entry.
pub fn resolve(config: &Config, known: &Known, value: &EnvValue) -> String {
    let arns = Arns { config, known };
    match value {
        EnvValue::Table(key) => known.table(key).to_owned(),
        EnvValue::Bucket(key) => known.bucket(key).to_owned(),
        EnvValue::QueueUrl(key) => known.queue_url(key).to_owned(),
        EnvValue::TopicArn(key) => known.topic_arn(key).to_owned(),
        EnvValue::WorkflowArn(key) => arns.state_machine(key),
        EnvValue::Secret(name) => known.secret_arn(name).to_owned(),
        EnvValue::Deploy(output) => match output.as_str() {
            "private-subnet-ids" => known.foundation.private_subnet_ids.join(","),
            "ecs-security-group-id" => known.foundation.security_groups.ecs.as_str().to_owned(),
            "lambda-security-group-id" => {
                known.foundation.security_groups.lambda.as_str().to_owned()
            }
            "private-route-table-id" => known.foundation.private_route_table_id.as_str().to_owned(),
            "nat-lifecycle-hook-name" => known.nat_instance().1.to_owned(),
            "m2m-client-id" => known.persistent.m2m_client_id.as_str().to_owned(),
            other => unreachable!("config validation admits only DEPLOY_OUTPUTS, not {other}"),
        },
        other => config
            .resolve_static(other)
            .unwrap_or_else(|| unreachable!("{other:?} is static")),
    }
}

/// Item-level actions on a table.
pub const TABLE_ACTIONS: [&str; 8] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
];
const ENI_ACTIONS: [&str; 5] = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];
/// Component of the ECS task execution role.
pub const EXECUTION_ROLE: &str = "ecs-execution-role";
/// Component of the strategy containers' task role.
pub const STRATEGY_ROLE: &str = "strategy-task-role";

/// Role names the Lambdas and the workflows may pass to ECS tasks.
pub fn task_role_names(config: &Config) -> [String; 2] {
    [EXECUTION_ROLE, STRATEGY_ROLE].map(|c| config.names().resource(c))
}

/// The policy of Lambda `key`: logs, VPC interfaces, metrics, and one grant per reference and trigger.
pub fn lambda_policy(config: &Config, known: &Known, key: &str) -> Result<String, WildcardPolicy> {
    let arns = Arns { config, known };
    let names = config.names();
    let spec = &config.settings().lambdas[key];
    let mut policy = PolicyBuilder::new()
        .allow(
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            &[arns.log_group(&names.lambda_log_group(key))],
        )
        .allow(&["cloudwatch:PutMetricData"], &["*"]);
    if spec.vpc {
        policy = policy.allow(&ENI_ACTIONS, &["*"]);
    }
    let mut ecs = false;
    for (_, value) in config.lambda_env(key).unwrap_or_default() {
        policy = match &value {
            EnvValue::Table(t) => {
                let table = arns.table(t);
                policy.allow(&TABLE_ACTIONS, &[table.clone(), format!("{table}/index/*")])
            }
            EnvValue::Bucket(b) => policy.allow(&["s3:ListBucket"], &[arns.bucket(b)]).allow(
                &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                &[format!("{}/*", arns.bucket(b))],
            ),
            EnvValue::QueueUrl(q) => policy.allow(
                &["sqs:SendMessage", "sqs:GetQueueAttributes"],
                &[known.queue_arn(q)],
            ),
            EnvValue::TopicArn(t) => policy.allow(&["sns:Publish"], &[known.topic_arn(t)]),
            EnvValue::WorkflowArn(w) => policy
                .allow(&["states:StartExecution"], &[arns.state_machine(w)])
                .allow(
                    &["states:DescribeExecution", "states:StopExecution"],
                    &[arns.executions(w)],
                ),
            EnvValue::Secret(s) => {
                policy.allow(&["secretsmanager:GetSecretValue"], &[known.secret_arn(s)])
            }
            EnvValue::Namespace => policy.allow(&["servicediscovery:DiscoverInstances"], &["*"]),
            EnvValue::Cluster | EnvValue::TaskFamily(_) => {
                ecs = true;
                policy
            }
            EnvValue::Deploy(output) if output == "private-route-table-id" => policy
                .allow(
                    &["ec2:ReplaceRoute", "ec2:CreateRoute"],
                    &[format!(
                        "arn:aws:ec2:{}:{}:route-table/{}",
                        config.settings().aws.region,
                        known.account(),
                        known.foundation.private_route_table_id.as_str()
                    )],
                )
                .allow(
                    &["ec2:DescribeInstances", "ec2:DescribeRouteTables"],
                    &["*"],
                ),
            _ => policy,
        };
    }
    if ecs {
        policy = arns.run_strategy_tasks(policy);
    }
    for trigger in &spec.triggers {
        policy = match trigger {
            Trigger::Sqs { queue, .. } => policy.allow(
                &[
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ],
                &[known.queue_arn(queue)],
            ),
            Trigger::AsgLifecycle { group } => policy
                .allow(
                    &["autoscaling:CompleteLifecycleAction"],
                    &[format!(
                        "arn:aws:autoscaling:{}:{}:autoScalingGroup:*:autoScalingGroupName/{}",
                        config.settings().aws.region,
                        known.account(),
                        names.resource(group)
                    )],
                )
                // Reconciling reads the group's instances; Describe* has no resource-level permissions.
                .allow(&["autoscaling:DescribeAutoScalingGroups"], &["*"]),
            _ => policy,
        };
    }
    policy.build()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use tradai_config::{Environment, Loader};

    use super::*;

    fn known(config: &Config) -> Known {
        use tradai_stack_kit::{FoundationValues, NatValues, PersistentValues, SecurityGroups};
        let names = config.names();
        let s = config.settings();
        let each = |keys: Vec<&String>, value: &dyn Fn(&str) -> String| {
            keys.into_iter().map(|k| (k.clone(), value(k))).collect()
        };
        Known {
            persistent: PersistentValues {
                user_pool_arn: "arn:aws:cognito-idp:eu-central-1:111122223333:userpool/p".into(),
                pulumi_state_bucket_name: "state-bucket".into(),
                m2m_client_id: "m2m-client".into(),
                secret_arns: [
                    ("pulumi-passphrase", "arn:secret"),
                    ("m2m-client-secret", "arn:secret:m2m"),
                ]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
                tables: each(s.tables.keys().collect(), &|t| names.table(t).to_string()),
                buckets: each(s.buckets.keys().collect(), &|b| names.bucket(b).to_string()),
                ..PersistentValues::default()
            },
            foundation: FoundationValues {
                private_subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
                security_groups: SecurityGroups {
                    ecs: "sg-ecs".into(),
                    lambda: "sg-lambda".into(),
                    ..SecurityGroups::default()
                },
                private_route_table_id: "rtb-1".into(),
                nat: NatValues::Instance {
                    launch_rule_name: "rule".into(),
                    lifecycle_hook_name: "hook".into(),
                    group_name: "group".into(),
                },
                queue_arns: each(s.queues.keys().collect(), &|q| format!("arn:aws:sqs:q:{q}")),
                queue_urls: each(s.queues.keys().collect(), &|q| format!("https://sqs/{q}")),
                topic_arns: each(s.topics.keys().collect(), &|t| format!("arn:aws:sns:t:{t}")),
                ..FoundationValues::default()
            },
            ..Known::default()
        }
    }

    fn statements(policy: &str) -> Vec<Value> {
        let doc: Value = serde_json::from_str(policy).expect("json");
        doc["Statement"].as_array().expect("statements").clone()
    }

    fn config() -> Config {
        Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid")
    }

    #[test]
    fn update_status_may_only_touch_the_workflow_state_table() {
        let config = config();
        let policy = lambda_policy(&config, &known(&config), "update-status").expect("policy");
        let tables: Vec<Value> = statements(&policy)
            .into_iter()
            .filter(|s| s["Action"][0] == "dynamodb:GetItem")
            .map(|s| s["Resource"][0].clone())
            .collect();
        assert_eq!(
            tables,
            [Value::from(
                "arn:aws:dynamodb:eu-central-1:111122223333:table/tradai-workflow-state-dev"
            )]
        );
        assert!(!policy.contains("sqs:"), "no queue access: {policy}");
        assert!(
            !policy.contains("ec2:CreateNetworkInterface"),
            "not in the VPC"
        );
    }

    #[test]
    fn the_backtest_consumer_reads_its_queue_starts_the_workflow_and_runs_tasks() {
        let config = config();
        let policy = lambda_policy(&config, &known(&config), "backtest-consumer").expect("policy");
        for needed in [
            "sqs:ReceiveMessage",
            "arn:aws:sqs:q:backtest",
            "states:StartExecution",
            "arn:aws:states:eu-central-1:111122223333:stateMachine:tradai-backtest-workflow-dev",
            "ecs:RunTask",
            "task-definition/tradai-strategy-*-dev:*",
            "task-definition/tradai-live-trading-dev:*",
            "task-definition/tradai-dry-run-trading-dev:*",
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/tradai-strategy-task-role-dev",
        ] {
            assert!(policy.contains(needed), "{needed} missing in {policy}");
        }
    }

    #[test]
    fn environment_references_resolve_from_upstream_values() {
        let config = config();
        let known = known(&config);
        let env: Vec<(String, String)> = config
            .lambda_env("model-rollback")
            .expect("lambda")
            .iter()
            .map(|(k, v)| (k.clone(), resolve(&config, &known, v)))
            .collect();
        assert!(env.contains(&(
            "ROLLBACK_STATE_TABLE".into(),
            "tradai-rollback-state-dev".into()
        )));
        assert!(env.contains(&("ENVIRONMENT".into(), "dev".into())));
        let consumer = config.lambda_env("backtest-consumer").expect("lambda");
        let subnets = consumer
            .iter()
            .find(|(k, _)| k == "ECS_SUBNETS")
            .expect("subnets");
        assert_eq!(resolve(&config, &known, &subnets.1), "subnet-a,subnet-b");
    }

    #[test]
    fn every_lambda_gets_a_policy_without_wildcards_on_everything() {
        let config = config();
        let known = known(&config);
        for key in config.settings().lambdas.keys() {
            lambda_policy(&config, &known, key).unwrap_or_else(|e| panic!("{key}: {e}"));
        }
    }
}
