//! `/api/v1/hyperopt` on in-memory adapters: a sweep of the bundled sample runs through the config's hyperopt
//! workflow in this process (EnsureData syncing the recorded candles, a distributed Map per round), and its job
//! shows its progress, its best trial and its table; a sweep cancelled mid-way stops and keeps what finished.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use tradai_service_kit::testing::{call, role_claims};

use super::{start, Service};

fn body(trials: u32) -> Value {
    json!({"strategy": "sma-crossover", "trials": trials, "seed": 7, "folds": 2,
           "start_date": "2024-02-01", "end_date": "2024-04-01"})
}

async fn get(service: &Service, path: &str) -> Value {
    let answer = call(&service.app, "GET", path, Some(&service.token), &[], None).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.body
}

async fn submit(service: &Service, body: Value) -> Value {
    let answer = call(
        &service.app,
        "POST",
        "/api/v1/hyperopt",
        Some(&service.token),
        &[],
        Some(body),
    )
    .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let job_id = answer.body["job_id"].as_str().expect("a job id");
    assert_eq!(
        answer.headers["location"].to_str().ok(),
        Some(format!("/api/v1/hyperopt/{job_id}").as_str())
    );
    answer.body
}

/// The job once `done` holds for it (a minute at most).
async fn until(service: &Service, job_id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..1200 {
        let job = get(service, &format!("/api/v1/hyperopt/{job_id}")).await;
        if done(&job) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job_id} never got there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_runs_to_its_best_trial_and_is_listed() {
    let service = start().await;
    let started = submit(&service, body(20)).await;
    let job_id = started["job_id"].as_str().expect("id").to_owned();
    assert_eq!(
        (started["status"].as_str(), started["sampler"].as_str()),
        (Some("RUNNING"), Some("tpe"))
    );
    assert!(started["execution_arn"].as_str().is_some(), "{started}");

    let job = until(&service, &job_id, |j| j["status"] != "RUNNING").await;
    assert_eq!(job["status"], "COMPLETED", "{job}");
    let progress = &job["progress"];
    assert_eq!(progress["trials_done"], 20, "{progress}");
    assert_eq!(progress["trials_total"], 20);
    let trials = progress["trials"].as_array().expect("the table");
    let numbers: Vec<u64> = trials.iter().filter_map(|t| t["number"].as_u64()).collect();
    assert_eq!(numbers, (0..20).collect::<Vec<_>>());
    // The best is the complete trial with the highest objective, with its parameters.
    let best = &progress["best"];
    let highest = trials
        .iter()
        .filter(|t| t["state"] == "complete")
        .filter_map(|t| t["value"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(best["value"].as_f64(), Some(highest), "{best}");
    assert!(best["params"]["entry.fast"].is_i64(), "{best}");
    let counted: u64 = progress["states"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, n)| n.as_u64())
        .sum();
    assert_eq!(counted, 20);

    // The best parameters are a DRAFT config version of the strategy: the sample with them applied.
    let version_id = job["config_version_id"].as_str().expect("a config version");
    let version = service
        .state
        .sweeps
        .versions
        .get(&tradai_domain::ports::RecordKey::with_sort(
            "sma-crossover",
            version_id,
        ))
        .await
        .expect("read")
        .expect("the DRAFT");
    assert_eq!(version.status.to_string(), "DRAFT");
    assert_eq!(
        version.config_data["entry"]["fast"],
        best["params"]["entry.fast"]
    );
    assert_eq!(version.config_data["stoploss"], best["params"]["stoploss"]);
    assert!(
        version.description.contains(&job_id),
        "{}",
        version.description
    );

    let listed = get(&service, "/api/v1/hyperopt?status=completed").await;
    assert_eq!(listed["items"][0]["job_id"], job_id.as_str(), "{listed}");
    let none = get(&service, "/api/v1/hyperopt?status=FAILED").await;
    assert_eq!(none["items"], json!([]));

    let again = call(
        &service.app,
        "POST",
        &format!("/api/v1/hyperopt/{job_id}/cancel"),
        Some(&service.token),
        &[],
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_sweep_stops_and_keeps_its_finished_trials() {
    let service = start().await;
    let started = submit(&service, body(10_000)).await;
    let job_id = started["job_id"].as_str().expect("id").to_owned();
    until(&service, &job_id, |j| {
        j["progress"]["trials_done"].as_u64() > Some(0)
    })
    .await;
    let cancelled = call(
        &service.app,
        "POST",
        &format!("/api/v1/hyperopt/{job_id}/cancel"),
        Some(&service.token),
        &[],
        None,
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "CANCELLED");

    // The execution ends ABORTED; after that no trial is added.
    let execution = started["execution_arn"].as_str().expect("arn");
    let workflow = service.state.sweeps.workflow.clone();
    let mut status = tradai_domain::ports::ExecutionStatus::Running;
    for _ in 0..600 {
        status = workflow.status(execution).await.expect("status");
        if status != tradai_domain::ports::ExecutionStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, tradai_domain::ports::ExecutionStatus::Aborted);
    let kept = get(&service, &format!("/api/v1/hyperopt/{job_id}")).await;
    let done = kept["progress"]["trials_done"].as_u64().expect("done");
    assert!((1..10_000).contains(&done), "{done}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = get(&service, &format!("/api/v1/hyperopt/{job_id}")).await;
    assert_eq!(later["progress"]["trials_done"].as_u64(), Some(done));
    assert_eq!(later["status"], "CANCELLED");
}

#[tokio::test]
async fn bad_requests_name_their_field_and_roles_are_checked() {
    let service = start().await;
    let post = |body: Value, token: String| {
        let app = service.app.clone();
        async move {
            call(
                &app,
                "POST",
                "/api/v1/hyperopt",
                Some(&token),
                &[],
                Some(body),
            )
            .await
        }
    };
    let token = service.token.clone();
    let mut unknown = body(10);
    unknown["strategy"] = json!("no-such-strategy");
    assert_eq!(
        post(unknown, token.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let mut narrow = body(10);
    narrow["search_space"] = json!({"entry.fast": {"type": "int", "low": 50, "high": 10}});
    let refused = post(narrow, token.clone()).await;
    assert_eq!(
        (
            refused.status,
            refused.body["code"].as_str(),
            refused.body["details"]["field"].as_str()
        ),
        (
            StatusCode::BAD_REQUEST,
            Some("VAL006"),
            Some("search_space.entry.fast.high")
        ),
        "{}",
        refused.body
    );
    let mut late = body(10);
    late["end_date"] = json!("2024-01-01");
    let refused = post(late, token.clone()).await;
    assert_eq!(refused.body["code"], "VAL001", "{}", refused.body);

    let viewer = service.key.sign(&role_claims(&service.issuer, &["viewer"]));
    assert_eq!(
        post(body(10), viewer.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    for path in [
        "/api/v1/hyperopt/hyperopt-20240101-000000-00000000",
        "/api/v1/hyperopt/..%2Fx",
    ] {
        let missing = call(&service.app, "GET", path, Some(&viewer), &[], None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
    }
    let limit = call(
        &service.app,
        "GET",
        "/api/v1/hyperopt?limit=0",
        Some(&viewer),
        &[],
        None,
    )
    .await;
    assert_eq!(limit.body["details"]["field"], "limit");
}
