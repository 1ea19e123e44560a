//! The task-runner port (ECS tasks of the strategy container, live and dry-run trading).

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::Result;

/// A task to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRequest {
    /// Task definition family or ARN.
    pub task_definition: String,
    /// Container whose environment is overridden.
    pub container: String,
    pub environment: BTreeMap<String, String>,
    /// Tags (e.g. `job_id`, `model_name`): how cleanup and the orphan scanner find the task.
    pub tags: BTreeMap<String, String>,
    /// Groups tasks for capacity checks (`startedBy`).
    pub started_by: String,
}

/// A running or stopped task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    pub task_arn: String,
    pub last_status: String,
    pub started_by: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// When the task was created, when known.
    pub created_at: Option<crate::entities::Timestamp>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only tasks carrying this tag with this value.
    pub tag: Option<(String, String)>,
    /// Only tasks started by this group.
    pub started_by: Option<String>,
}

/// Tasks in one ECS cluster.
#[async_trait]
pub trait TaskRunner: Send + Sync {
    /// Start a task.
    async fn run(&self, request: TaskRequest) -> Result<TaskInfo>;
    /// Stop a task.
    async fn stop(&self, task_arn: &str, reason: &str) -> Result<()>;
    /// Running tasks matching the filter.
    async fn list(&self, filter: &TaskFilter) -> Result<Vec<TaskInfo>>;
}

/// Where Fargate tasks attach (subnets and security groups), when the task definition does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskNetwork {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}
