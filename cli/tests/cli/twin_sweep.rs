//! A hyperopt sweep through the planned graph: started at the planned API (its route and listener rule reach
//! the strategy service, which starts the planned hyperopt state machine on the emulator under its planned
//! role); the twin interprets the planned definition: EnsureData through data-collection-proxy, a planning
//! task, a distributed Map reading its items from the planned results bucket and writing its results there,
//! one runner container per item, and the finaliser; the job then shows every trial and the best.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::twin_flows::Twin;

async fn call(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("sent");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// Sweep `strategy` (8 trials in two rounds of the planned Map) through the API at `api`.
pub async fn a_sweep_runs_through_the_distributed_map(
    twin: &Twin<'_>,
    api: &str,
    token: &str,
    strategy: &str,
) {
    let body = json!({"strategy": strategy, "trials": 8, "seed": 5,
                      "start_date": "2024-02-01", "end_date": "2024-02-20"});
    let (status, started) = call(
        reqwest::Method::POST,
        format!("{api}/api/v1/hyperopt"),
        token,
        Some(body),
    )
    .await;
    assert_eq!(status, 202, "{started}");
    let job_id = started["job_id"].as_str().expect("a job id").to_owned();
    let execution = started["execution_arn"]
        .as_str()
        .expect("an execution")
        .to_owned();
    assert!(
        execution.contains(":execution:") && execution.contains("hyperopt"),
        "{execution}"
    );

    let done = twin.line(
        |l| l.contains(&execution) && (l.contains(" SUCCEEDED ") || l.contains(" FAILED ")),
        240,
    );
    assert!(done.contains(" SUCCEEDED via "), "{done}");
    for state in [
        "EnsureData",
        "PlanRound",
        "RunTrials",
        "Finalize",
        "NotifySuccess",
    ] {
        assert!(done.contains(state), "{state}: {done}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let job = loop {
        let (status, job) = call(
            reqwest::Method::GET,
            format!("{api}/api/v1/hyperopt/{job_id}"),
            token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{job}");
        if job["status"] != "RUNNING" || Instant::now() > deadline {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(job["status"], "COMPLETED", "{job}");
    assert_eq!(job["progress"]["trials_done"], 8, "{job}");
    assert!(job["progress"]["best"]["params"].is_object(), "{job}");
    let (_, listed) = call(
        reqwest::Method::GET,
        format!("{api}/api/v1/hyperopt?limit=5"),
        token,
        None,
    )
    .await;
    assert_eq!(listed["items"][0]["job_id"], job_id.as_str(), "{listed}");
}
