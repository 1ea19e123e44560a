//! cleanup-resources (§10.2 #4, §10.3): on a workflow's Catch path, stop the ECS tasks the job left running
//! (found by their `job_id` tag).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{TaskFilter, TaskRunner};

use crate::input::Text;
use crate::registry::Handler;
use crate::HandlerError;

/// The failed job (the Catch path passes more; only the id is read).
#[derive(Debug, Clone, Deserialize)]
pub struct Input {
    pub job_id: Text,
}

/// The tasks stopped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub job_id: String,
    pub tasks_stopped: usize,
    pub stopped_task_arns: Vec<String>,
}

/// cleanup-resources over the task runner.
#[derive(Clone)]
pub struct CleanupResources {
    pub tasks: Arc<dyn TaskRunner>,
}

crate::handler_debug!(CleanupResources);

impl Handler for CleanupResources {
    const FUNCTION: Function = Function::CleanupResources;
    type Input = Input;
    type Output = Output;
    type Settings = ();

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        _settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        // Over the platform's task runner.
        Ok(CleanupResources {
            tasks: ports.tasks.clone(),
        })
    }

    async fn handle(&self, input: Input, _now: Timestamp) -> Result<Output, HandlerError> {
        let job_id = input.job_id.as_str();
        let running = self
            .tasks
            .list(&TaskFilter {
                tag: Some(("job_id".into(), job_id.to_owned())),
                started_by: None,
            })
            .await?;
        let reason = format!("cleanup after the workflow of job {job_id} failed");
        let mut stopped = Vec::with_capacity(running.len());
        for task in running {
            self.tasks.stop(&task.task_arn, &reason).await?;
            stopped.push(task.task_arn);
        }
        Ok(Output {
            job_id: job_id.to_owned(),
            tasks_stopped: stopped.len(),
            stopped_task_arns: stopped,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradai_domain::ports::TaskRequest;
    use tradai_memory::MemoryTaskRunner;

    use serde_json::{json, Value};

    use super::*;

    async fn handle(tasks: &Arc<MemoryTaskRunner>, input: &Value) -> Result<Value, HandlerError> {
        let handler = CleanupResources {
            tasks: tasks.clone(),
        };
        crate::registry::data(&handler, input.clone()).await
    }

    #[tokio::test]
    async fn stops_only_the_jobs_tasks() {
        let tasks = Arc::new(MemoryTaskRunner::new("tradai-dev"));
        let run = |job: &str| TaskRequest {
            task_definition: "tradai-strategy-generic-dev".into(),
            container: "strategy".into(),
            environment: BTreeMap::new(),
            tags: BTreeMap::from([("job_id".to_owned(), job.to_owned())]),
            started_by: "tradai-backend".into(),
        };
        let mine = tasks.run(run("j1")).await.expect("run");
        tasks.run(run("j2")).await.expect("run");
        let answer = handle(&tasks, &json!({"job_id": "j1", "execution_arn": "arn:x"}))
            .await
            .expect("cleanup");
        assert_eq!(
            answer,
            json!({"job_id": "j1", "tasks_stopped": 1, "stopped_task_arns": [mine.task_arn]})
        );
        assert_eq!(
            tasks
                .list(&TaskFilter::default())
                .await
                .expect("list")
                .len(),
            1,
            "the other job's task runs on"
        );
        let again = handle(&tasks, &json!({"job_id": "j1"}))
            .await
            .expect("again");
        assert_eq!(again["tasks_stopped"], 0, "nothing left: not an error");
    }
}
