//! The backend on AWS adapters against the emulator: a bounded load of 1,000 concurrent submissions is stored
//! and queued exactly once each, and 100 repeats of one Idempotency-Key make one job.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use futures::StreamExt as _;
use tradai_domain::ports::JobQueue;
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::JobStatus;
use tradai_platform::{AwsSettings, ExecutorKind, Platform};
use tradai_test_support::emulator;

use crate::harness::{keys, request, Backend};

const SUBMISSIONS: usize = 1000;
const CONCURRENCY: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_submissions_are_each_stored_and_queued_once() {
    let (config, clients, _) = emulator::provisioned().await;
    let (key, jwks) = keys().await;
    let platform =
        Platform::on_clients(&config, clients.clone(), &AwsSettings::default()).expect("ports");
    let state = tradai_backend::AppState::on_platform(
        &config,
        &platform,
        ExecutorKind::Sqs,
        "http://127.0.0.1:9",
        Arc::new(jwks.verifier()),
    )
    .await
    .expect("state");
    let backend = Backend::with_state(state, &key, jwks, None);
    let answers: Vec<_> = futures::stream::iter(0..SUBMISSIONS)
        .map(|i| {
            let mut body = request();
            body["strategy"] = serde_json::json!(format!("strategy-{}", i % 10));
            let backend = &backend;
            async move { backend.submit(body, &[]).await }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let submitted: BTreeSet<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.body);
            a.body["job_id"].as_str().expect("job id").to_owned()
        })
        .collect();
    assert_eq!(submitted.len(), SUBMISSIONS);

    let mut stored = BTreeSet::new();
    let mut cursor = None;
    loop {
        let page = backend
            .jobs
            .list_by_status(JobStatus::Pending, 100, cursor.as_deref())
            .await
            .expect("page");
        for job in page.items {
            assert!(
                stored.insert(job.job_id.clone()),
                "{} stored twice",
                job.job_id
            );
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(stored, submitted, "every job stored exactly once");

    let queue = tradai_aws::SqsQueue::lookup(
        clients.sqs.clone(),
        &config,
        "backtest",
        false,
        Arc::new(ResiliencePolicy::aws("sqs")),
    )
    .await
    .expect("queue");
    let mut queued = BTreeSet::new();
    loop {
        let messages = queue.receive(10, Duration::ZERO).await.expect("receive");
        if messages.is_empty() {
            break;
        }
        for message in messages {
            let body: serde_json::Value = serde_json::from_str(&message.body).expect("json");
            assert!(
                queued.insert(body["job_id"].as_str().expect("id").to_owned()),
                "queued twice"
            );
            queue.delete(&message.receipt).await.expect("delete");
        }
    }
    assert_eq!(queued, submitted, "every job queued exactly once");

    let repeats: Vec<_> = futures::stream::iter(0..100)
        .map(|_| backend.submit(request(), &[("Idempotency-Key", "one-key")]))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let ids: BTreeSet<&str> = repeats
        .iter()
        .map(|a| a.body["job_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 1, "100 repeats of one key, one job");
}
