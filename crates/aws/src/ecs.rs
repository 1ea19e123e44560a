//! Tasks in the ECS cluster of the canonical config.

use std::collections::BTreeMap;
use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerOverride, KeyValuePair, LaunchType,
    NetworkConfiguration, Tag, Task, TaskField,
};
use aws_sdk_ecs::Client;
use tradai_config::Config;
use tradai_domain::ports::{TaskFilter, TaskInfo, TaskNetwork, TaskRequest, TaskRunner};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;

/// Tasks of the cluster `tradai-<env>`.
#[derive(Debug)]
pub struct EcsTaskRunner {
    client: Client,
    cluster: String,
    network: Option<TaskNetwork>,
    policy: Arc<ResiliencePolicy>,
}

impl EcsTaskRunner {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::TASK_RUNNER, &access::TASK_LAUNCH];

    /// Tasks of the config's cluster; with a network they run on Fargate in it.
    pub fn new(
        client: Client,
        config: &Config,
        network: Option<TaskNetwork>,
        policy: Arc<ResiliencePolicy>,
    ) -> Self {
        EcsTaskRunner {
            client,
            cluster: config.names().ecs_cluster(),
            network,
            policy,
        }
    }
}

fn info(task: &Task) -> TaskInfo {
    TaskInfo {
        task_arn: task.task_arn().unwrap_or_default().to_owned(),
        last_status: task.last_status().unwrap_or_default().to_owned(),
        started_by: task.started_by().map(str::to_owned),
        tags: task
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect::<BTreeMap<_, _>>(),
        created_at: task
            .created_at()
            .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
            .map(tradai_domain::entities::Timestamp::from_datetime),
    }
}

#[async_trait]
impl TaskRunner for EcsTaskRunner {
    async fn run(&self, request: TaskRequest) -> Result<TaskInfo> {
        let environment: Vec<KeyValuePair> = request
            .environment
            .iter()
            .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
            .collect();
        let overrides = aws_sdk_ecs::types::TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name(&request.container)
                    .set_environment(Some(environment))
                    .build(),
            )
            .build();
        let tags: Vec<Tag> = request
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        let network = match &self.network {
            Some(net) => Some(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(
                        AwsVpcConfiguration::builder()
                            .set_subnets(Some(net.subnets.clone()))
                            .set_security_groups(Some(net.security_groups.clone()))
                            .assign_public_ip(AssignPublicIp::Disabled)
                            .build()
                            .map_err(|e| DomainError::Configuration(e.to_string()))?,
                    )
                    .build(),
            ),
            None => None,
        };
        let output = self
            .policy
            .protect(|| async {
                self.client
                    .run_task()
                    .cluster(&self.cluster)
                    .task_definition(&request.task_definition)
                    .started_by(&request.started_by)
                    .overrides(overrides.clone())
                    .set_tags(Some(tags.clone()))
                    .set_launch_type(network.as_ref().map(|_| LaunchType::Fargate))
                    .set_network_configuration(network.clone())
                    .send()
                    .await
                    .map_err(|e| domain_error("ecs", e))
            })
            .await?;
        if let Some(failure) = output.failures().first() {
            return Err(DomainError::Configuration(format!(
                "ECS could not run {}: {}",
                request.task_definition,
                failure.reason().unwrap_or("unknown reason")
            )));
        }
        let task = output
            .tasks()
            .first()
            .ok_or_else(|| DomainError::Configuration("ECS started no task".into()))?;
        let mut started = info(task);
        if started.tags.is_empty() {
            started.tags = request.tags;
        }
        Ok(started)
    }

    async fn stop(&self, task_arn: &str, reason: &str) -> Result<()> {
        self.policy
            .protect(|| async {
                self.client
                    .stop_task()
                    .cluster(&self.cluster)
                    .task(task_arn)
                    .reason(reason)
                    .send()
                    .await
                    .map_err(|e| domain_error("ecs", e))
            })
            .await?;
        Ok(())
    }

    async fn list(&self, filter: &TaskFilter) -> Result<Vec<TaskInfo>> {
        let mut arns = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = self
                .policy
                .protect(|| async {
                    self.client
                        .list_tasks()
                        .cluster(&self.cluster)
                        .set_started_by(filter.started_by.clone())
                        .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| domain_error("ecs", e))
                })
                .await?;
            arns.extend(output.task_arns().iter().cloned());
            token = output.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        let mut tasks = Vec::new();
        for chunk in arns.chunks(100) {
            let output = self
                .policy
                .protect(|| async {
                    self.client
                        .describe_tasks()
                        .cluster(&self.cluster)
                        .set_tasks(Some(chunk.to_vec()))
                        .include(TaskField::Tags)
                        .send()
                        .await
                        .map_err(|e| domain_error("ecs", e))
                })
                .await?;
            tasks.extend(output.tasks().iter().map(info));
        }
        Ok(tasks
            .into_iter()
            .filter(|t| t.last_status != "STOPPED")
            .filter(|t| {
                filter
                    .tag
                    .as_ref()
                    .is_none_or(|(k, v)| t.tags.get(k) == Some(v))
            })
            .collect())
    }
}
