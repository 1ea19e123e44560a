//! Contract of the task-runner port.

use std::collections::BTreeMap;

use tradai_domain::ports::{TaskFilter, TaskRequest, TaskRunner};

/// Run with tags, list by tag and by starter, stop.
pub async fn task_runner(runner: &dyn TaskRunner, task_definition: &str) {
    let request = |job: &str| TaskRequest {
        task_definition: task_definition.into(),
        container: "strategy".into(),
        environment: BTreeMap::from([("JOB_ID".to_owned(), job.to_owned())]),
        tags: BTreeMap::from([("job_id".to_owned(), job.to_owned())]),
        started_by: "backtest-consumer".into(),
    };
    let a = runner.run(request("job-a")).await.expect("run a");
    runner.run(request("job-b")).await.expect("run b");
    assert!(a.task_arn.contains(":task/"), "task ARN: {}", a.task_arn);
    let by_tag = runner
        .list(&TaskFilter {
            tag: Some(("job_id".into(), "job-a".into())),
            started_by: None,
        })
        .await
        .expect("list");
    assert_eq!(
        by_tag
            .iter()
            .map(|t| t.task_arn.as_str())
            .collect::<Vec<_>>(),
        [a.task_arn.as_str()]
    );
    assert_eq!(
        by_tag[0].tags.get("job_id").map(String::as_str),
        Some("job-a")
    );
    let by_starter = runner
        .list(&TaskFilter {
            tag: None,
            started_by: Some("backtest-consumer".into()),
        })
        .await
        .expect("list");
    assert_eq!(by_starter.len(), 2);
    runner
        .stop(&a.task_arn, "cleanup after failure")
        .await
        .expect("stop");
    let by_tag = runner
        .list(&TaskFilter {
            tag: Some(("job_id".into(), "job-a".into())),
            started_by: None,
        })
        .await
        .expect("list");
    assert!(by_tag.is_empty(), "a stopped task is not listed as running");
}
