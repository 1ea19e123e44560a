//! The status stream: the current status first, then each change, ending after a terminal status.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use futures::StreamExt as _;
use tower::ServiceExt as _;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::JobUpdate;
use tradai_domain::JobStatus;

use crate::harness::{request, Backend};

#[tokio::test]
async fn streams_status_changes_until_the_job_ends() {
    let backend = Backend::start(false).await;
    let job = backend.submit(request(), &[]).await;
    let job_id = job.body["job_id"].as_str().expect("id").to_owned();
    let response = backend
        .app
        .clone()
        .oneshot(
            Request::get(format!("/api/v1/backtests/{job_id}/events"))
                .header("Authorization", format!("Bearer {}", backend.reader))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let jobs = backend.jobs.clone();
    let id = job_id.clone();
    tokio::spawn(async move {
        for status in [JobStatus::Running, JobStatus::Completed] {
            tokio::time::sleep(Duration::from_millis(700)).await;
            jobs.transition(&id, status, JobUpdate::default(), Timestamp::now())
                .await
                .expect("transition");
        }
    });
    let mut text = String::new();
    let mut body = response.into_body().into_data_stream();
    let read = async {
        while let Some(chunk) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the stream ends after COMPLETED");
    let statuses: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|data| {
            serde_json::from_str::<serde_json::Value>(data).expect("json")["status"]
                .as_str()
                .expect("status")
                .to_owned()
        })
        .collect();
    assert_eq!(statuses, ["PENDING", "RUNNING", "COMPLETED"]);
    let missing = backend
        .get("/api/v1/backtests/nope/events", &backend.reader)
        .await;
    assert_eq!(missing.status, axum::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_caller_holds_a_bounded_number_of_streams() {
    let backend = Backend::start(false).await;
    let job = backend.submit(request(), &[]).await;
    let job_id = job.body["job_id"].as_str().expect("id").to_owned();
    let open = || {
        backend.app.clone().oneshot(
            Request::get(format!("/api/v1/backtests/{job_id}/events"))
                .header("Authorization", format!("Bearer {}", backend.reader))
                .body(Body::empty())
                .expect("request"),
        )
    };
    let mut held = Vec::new();
    for _ in 0..tradai_service_kit::streams::PER_CALLER {
        let response = open().await.expect("response");
        assert_eq!(response.status(), 200);
        held.push(response);
    }
    let refused = open().await.expect("response");
    assert_eq!(refused.status(), 429, "one stream too many");
    let other = backend
        .get(&format!("/api/v1/backtests/{job_id}"), &backend.user)
        .await;
    assert_eq!(other.status, 200, "plain requests are not affected");
    drop(held);
    let again = open().await.expect("response");
    assert_eq!(again.status(), 200, "closed streams free their places");
}
