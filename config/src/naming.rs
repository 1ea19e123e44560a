//! Every resource name, derived from the project prefix, a component and the environment
//! (`tradai-{component}-{env}`). Nothing else in the workspace formats a resource name.

use std::fmt;

use crate::{Environment, Layer};

macro_rules! name_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The name as AWS knows it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

name_type!(
    /// A DynamoDB table name.
    TableName,
    /// An S3 bucket name.
    BucketName,
    /// An SQS queue name (with `.fifo` for FIFO queues).
    QueueName,
    /// An SNS topic name.
    TopicName,
    /// A Lambda function name.
    FunctionName,
    /// A Step Functions state machine name.
    StateMachineName,
    /// An ECR repository name.
    RepositoryName,
);

/// Derives names for one environment.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    prefix: &'a str,
    env: Environment,
}

impl<'a> Names<'a> {
    /// Names with `prefix` (the project name) for `env`.
    pub fn new(prefix: &'a str, env: Environment) -> Self {
        Names { prefix, env }
    }

    /// `tradai-{component}-{env}`: the one naming rule.
    pub fn resource(&self, component: &str) -> String {
        format!("{}-{component}-{}", self.prefix, self.env)
    }

    /// `tradai-{env}`: names of the things there is one of per environment (ECS cluster, dashboard, RDS instance).
    pub fn environment_wide(&self) -> String {
        format!("{}-{}", self.prefix, self.env)
    }

    /// DynamoDB table of `tables.<key>`.
    pub fn table(&self, key: &str) -> TableName {
        TableName(self.resource(key))
    }

    /// S3 bucket of `buckets.<key>`.
    pub fn bucket(&self, key: &str) -> BucketName {
        BucketName(self.resource(key))
    }

    /// The bucket holding Pulumi state for this environment.
    pub fn state_bucket(&self) -> BucketName {
        BucketName(self.resource("pulumi-state"))
    }

    /// SQS queue of `queues.<key>`.
    pub fn queue(&self, key: &str, fifo: bool) -> QueueName {
        QueueName(with_fifo(self.resource(key), fifo))
    }

    /// Dead-letter queue of `queues.<key>`.
    pub fn dead_letter_queue(&self, key: &str, fifo: bool) -> QueueName {
        QueueName(with_fifo(self.resource(&format!("{key}-dlq")), fifo))
    }

    /// SNS topic of `topics.<key>`.
    pub fn topic(&self, key: &str) -> TopicName {
        TopicName(self.resource(key))
    }

    /// Lambda function of `lambdas.<key>`.
    pub fn function(&self, key: &str) -> FunctionName {
        FunctionName(self.resource(key))
    }

    /// State machine of `workflows.<key>`: `tradai-{key}-workflow-{env}`.
    pub fn state_machine(&self, key: &str) -> StateMachineName {
        StateMachineName(self.resource(&format!("{key}-workflow")))
    }

    /// ECR repository `tradai/{env}/{repo}` (one namespace per environment, so all can share an account).
    pub fn repository(&self, repo: &str) -> RepositoryName {
        RepositoryName(format!("{}/{}/{repo}", self.prefix, self.env))
    }

    /// ECR repository of `lambdas.<key>`.
    pub fn lambda_repository(&self, key: &str) -> RepositoryName {
        self.repository(&format!("lambda-{key}"))
    }

    /// ECS cluster `tradai-{env}`.
    pub fn ecs_cluster(&self) -> String {
        self.environment_wide()
    }

    /// ECS service, task family and target group of a service component (`tradai-backend-dev`).
    pub fn ecs_service(&self, component: &str) -> String {
        self.resource(component)
    }

    /// CloudWatch dashboard `tradai-{env}`.
    pub fn dashboard(&self) -> String {
        self.environment_wide()
    }

    /// Alarm `tradai-{env}-{what}`.
    pub fn alarm(&self, what: &str) -> String {
        format!("{}-{what}", self.environment_wide())
    }

    /// Log group of the ECS cluster's services, `/ecs/tradai/{env}`.
    pub fn ecs_log_group(&self) -> String {
        format!("/ecs/{}/{}", self.prefix, self.env)
    }

    /// The awslogs stream prefix of a service's containers, `services/{key}`.
    pub fn ecs_log_stream_prefix(&self, key: &str) -> String {
        format!("services/{key}")
    }

    /// The log stream of one task's container (awslogs names it `{prefix}/{container}/{task id}`).
    pub fn ecs_log_stream(&self, key: &str, container: &str, task_id: &str) -> String {
        format!("{}/{container}/{task_id}", self.ecs_log_stream_prefix(key))
    }

    /// Log group of a Lambda function.
    pub fn lambda_log_group(&self, key: &str) -> String {
        format!("/aws/lambda/{}", self.function(key))
    }

    /// Log group of a state machine.
    pub fn workflow_log_group(&self, key: &str) -> String {
        format!("/aws/vendedlogs/states/{}", self.state_machine(key))
    }

    /// Secrets Manager secret `tradai/{env}/{name}`.
    pub fn secret(&self, name: &str) -> String {
        format!("{}/{}/{name}", self.prefix, self.env)
    }

    /// Cognito user pool of component `users`.
    pub fn user_pool(&self, component: &str) -> String {
        self.resource(component)
    }

    /// The public (web/CLI) app client.
    pub fn public_client(&self) -> String {
        self.resource("api-client")
    }

    /// The machine-to-machine app client.
    pub fn m2m_client(&self) -> String {
        self.resource("m2m-client")
    }

    /// Stack name `{layer}-{env}` inside the one Pulumi project.
    pub fn stack(&self, layer: Layer) -> String {
        format!("{}-{}", layer.as_str(), self.env)
    }

    /// Fully qualified stack `{org}/{project}/{layer}-{env}` for StackReference.
    pub fn stack_reference(&self, organization: &str, layer: Layer) -> String {
        format!("{organization}/{}/{}", self.prefix, self.stack(layer))
    }

    /// URL of a service in the Cloud Map namespace: `http://{service}.{namespace}:{port}`.
    pub fn service_url(&self, service: &str, namespace: &str, port: u16) -> String {
        format!("http://{service}.{namespace}:{port}")
    }
}

fn with_fifo(name: String, fifo: bool) -> String {
    if fifo {
        format!("{name}.fifo")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_reference_naming_patterns() {
        let names = Names::new("tradai", Environment::Dev);
        assert_eq!(names.bucket("configs").as_str(), "tradai-configs-dev");
        assert_eq!(
            names.table("workflow-state").as_str(),
            "tradai-workflow-state-dev"
        );
        assert_eq!(names.ecs_cluster(), "tradai-dev");
        assert_eq!(
            names.ecs_service("strategy-generic"),
            "tradai-strategy-generic-dev"
        );
        assert_eq!(
            names.function("retraining-scheduler").as_str(),
            "tradai-retraining-scheduler-dev"
        );
        assert_eq!(
            names.state_machine("retraining").as_str(),
            "tradai-retraining-workflow-dev"
        );
        assert_eq!(names.user_pool("users"), "tradai-users-dev");
        assert_eq!(names.public_client(), "tradai-api-client-dev");
        assert_eq!(names.topic("alerts").as_str(), "tradai-alerts-dev");
        assert_eq!(names.alarm("heartbeat-stale"), "tradai-dev-heartbeat-stale");
        assert_eq!(names.dashboard(), "tradai-dev");
    }

    #[test]
    fn fifo_queues_and_their_dead_letter_queues_end_in_fifo() {
        let names = Names::new("tradai", Environment::Prod);
        assert_eq!(
            names.queue("backtest", true).as_str(),
            "tradai-backtest-prod.fifo"
        );
        assert_eq!(
            names.dead_letter_queue("backtest", true).as_str(),
            "tradai-backtest-dlq-prod.fifo"
        );
        assert_eq!(
            names.queue("retraining", false).as_str(),
            "tradai-retraining-prod"
        );
    }

    #[test]
    fn stacks_repositories_and_service_urls() {
        let names = Names::new("tradai", Environment::Staging);
        assert_eq!(names.stack(Layer::Foundation), "foundation-staging");
        assert_eq!(
            names.stack_reference("organization", Layer::Persistent),
            "organization/tradai/persistent-staging"
        );
        assert_eq!(
            names.repository("backend").as_str(),
            "tradai/staging/backend"
        );
        assert_eq!(
            names.lambda_repository("health-check").as_str(),
            "tradai/staging/lambda-health-check"
        );
        assert_eq!(
            names.service_url("mlflow", "tradai.local", 5000),
            "http://mlflow.tradai.local:5000"
        );
        assert_eq!(
            names.secret("pulumi-passphrase"),
            "tradai/staging/pulumi-passphrase"
        );
    }
}
