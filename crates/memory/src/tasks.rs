//! An ECS cluster in memory: tasks are records that start RUNNING and stop on request.

use std::sync::Mutex;

use async_trait::async_trait;
use tradai_domain::ports::{TaskFilter, TaskInfo, TaskRequest, TaskRunner};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// Tasks of one cluster.
#[derive(Debug)]
pub struct MemoryTaskRunner {
    cluster: String,
    tasks: Mutex<Vec<TaskInfo>>,
}

impl MemoryTaskRunner {
    /// An empty cluster.
    pub fn new(cluster: &str) -> Self {
        MemoryTaskRunner {
            cluster: cluster.to_owned(),
            tasks: Mutex::default(),
        }
    }

    /// Pretend `task_arn` was created at `at` (to test runtime limits).
    pub fn backdate(&self, task_arn: &str, at: tradai_domain::entities::Timestamp) {
        for task in lock(&self.tasks)
            .iter_mut()
            .filter(|t| t.task_arn == task_arn)
        {
            task.created_at = Some(at);
        }
    }
}

#[async_trait]
impl TaskRunner for MemoryTaskRunner {
    async fn run(&self, request: TaskRequest) -> Result<TaskInfo> {
        if request.task_definition.is_empty() {
            return Err(DomainError::validation(
                "task_definition",
                "must name a task definition",
            ));
        }
        let task = TaskInfo {
            task_arn: format!(
                "arn:aws:ecs:local:000000000000:task/{}/{}",
                self.cluster,
                uuid::Uuid::new_v4().simple()
            ),
            last_status: "RUNNING".into(),
            started_by: Some(request.started_by),
            tags: request.tags,
            created_at: Some(tradai_domain::entities::Timestamp::now()),
        };
        lock(&self.tasks).push(task.clone());
        Ok(task)
    }

    async fn stop(&self, task_arn: &str, _reason: &str) -> Result<()> {
        let mut tasks = lock(&self.tasks);
        let task = tasks
            .iter_mut()
            .find(|t| t.task_arn == task_arn)
            .ok_or_else(|| DomainError::not_found("task", task_arn))?;
        task.last_status = "STOPPED".into();
        Ok(())
    }

    async fn list(&self, filter: &TaskFilter) -> Result<Vec<TaskInfo>> {
        let tasks = lock(&self.tasks);
        Ok(tasks
            .iter()
            .filter(|t| t.last_status == "RUNNING")
            .filter(|t| {
                filter
                    .started_by
                    .as_ref()
                    .is_none_or(|s| t.started_by.as_ref() == Some(s))
            })
            .filter(|t| {
                filter
                    .tag
                    .as_ref()
                    .is_none_or(|(k, v)| t.tags.get(k) == Some(v))
            })
            .cloned()
            .collect())
    }
}
