//! cleanup-resources (§10.2 #4, §10.3): on a workflow's Catch path, stop the ECS tasks the job left running
//! (found by their `job_id` tag).

use serde_json::{json, Value};
use tradai_domain::ports::{TaskFilter, TaskRunner};

use crate::{text, HandlerError};

/// Stop the job's tasks; the `data` of the answer.
pub async fn handle(tasks: &dyn TaskRunner, input: &Value) -> Result<Value, HandlerError> {
    let job_id = text(input, "job_id")?;
    let running = tasks
        .list(&TaskFilter {
            tag: Some(("job_id".into(), job_id.to_owned())),
            started_by: None,
        })
        .await?;
    let reason = format!("cleanup after the workflow of job {job_id} failed");
    let mut stopped = Vec::with_capacity(running.len());
    for task in running {
        tasks.stop(&task.task_arn, &reason).await?;
        stopped.push(task.task_arn);
    }
    Ok(json!({"job_id": job_id, "tasks_stopped": stopped.len(), "stopped_task_arns": stopped}))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradai_domain::ports::TaskRequest;
    use tradai_memory::MemoryTaskRunner;

    use super::*;

    #[tokio::test]
    async fn stops_only_the_jobs_tasks() {
        let tasks = MemoryTaskRunner::new("tradai-dev");
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
