//! Contracts of queues, topics and workflow starters.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::json;
use tradai_domain::ports::{
    ExecutionStatus, JobQueue, Notifier, OutgoingMessage, PublishedMessage, ReceivedMessage,
    WorkflowStarter,
};

fn fifo(body: &str, group: &str, dedup: &str) -> OutgoingMessage {
    OutgoingMessage {
        body: body.into(),
        group_id: Some(group.into()),
        dedup_id: Some(dedup.into()),
    }
}

fn plain(body: &str) -> OutgoingMessage {
    OutgoingMessage {
        body: body.into(),
        group_id: None,
        dedup_id: None,
    }
}

async fn receive_one(queue: &dyn JobQueue) -> Option<ReceivedMessage> {
    queue
        .receive(1, Duration::from_millis(500))
        .await
        .expect("receive")
        .into_iter()
        .next()
}

/// Assert that no message can be received right now.
async fn assert_nothing_visible(queue: &dyn JobQueue, why: &str) {
    let visible = queue.receive(10, Duration::ZERO).await.expect("receive");
    assert!(visible.is_empty(), "{why}: {visible:?}");
}

/// Drain the queue one message at a time, deleting each; returns the bodies in delivery order.
async fn drain(queue: &dyn JobQueue) -> Vec<String> {
    let mut bodies = Vec::new();
    while let Some(message) = receive_one(queue).await {
        queue.delete(&message.receipt).await.expect("delete");
        bodies.push(message.body);
    }
    bodies
}

/// FIFO: order within a group, deduplication, and a group held back while one of its messages is in flight.
pub async fn fifo_queue(queue: &dyn JobQueue) {
    for (body, group) in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A")] {
        queue.send(fifo(body, group, body)).await.expect("send");
    }
    queue
        .send(fifo("a1", "A", "a1"))
        .await
        .expect("a repeat with the same dedup id is accepted and dropped");
    let bodies = drain(queue).await;
    let group_a: Vec<&str> = bodies
        .iter()
        .map(String::as_str)
        .filter(|b| b.starts_with('a'))
        .collect();
    assert_eq!(
        group_a,
        ["a1", "a2", "a3"],
        "order within a group; the duplicate is gone (all: {bodies:?})"
    );
    assert_eq!(bodies.len(), 4, "{bodies:?}");

    queue.send(fifo("c1", "C", "c1")).await.expect("send");
    queue.send(fifo("c2", "C", "c2")).await.expect("send");
    let first = receive_one(queue).await.expect("c1");
    assert_eq!(first.body, "c1");
    let during = queue.receive(10, Duration::ZERO).await.expect("receive");
    assert!(
        during.is_empty(),
        "c2 waits while c1 is in flight: {during:?}"
    );
    queue.delete(&first.receipt).await.expect("delete");
    assert_eq!(drain(queue).await, ["c2"]);
}

/// Standard queue: send, receive, visibility change and delete.
pub async fn standard_queue(queue: &dyn JobQueue) {
    let id = queue
        .send(plain(r#"{"model_name":"m","trigger":"manual"}"#))
        .await
        .expect("send");
    assert!(!id.is_empty());
    let message = receive_one(queue).await.expect("delivered");
    assert_eq!(
        (message.message_id.as_str(), message.receive_count),
        (id.as_str(), 1)
    );
    assert_nothing_visible(queue, "invisible while in flight").await;
    queue
        .change_visibility(&message.receipt, Duration::ZERO)
        .await
        .expect("release");
    let again = receive_one(queue)
        .await
        .expect("released message is delivered again");
    assert_eq!(
        (again.message_id.as_str(), again.receive_count),
        (id.as_str(), 2)
    );
    queue.delete(&again.receipt).await.expect("delete");
    assert_nothing_visible(queue, "deleted for good").await;
}

/// A message received `max_receives` times without being deleted moves to the dead-letter queue.
pub async fn dead_letter_after_max_receives(
    queue: &dyn JobQueue,
    dead_letter: &dyn JobQueue,
    max_receives: u32,
    message: OutgoingMessage,
) {
    let body = message.body.clone();
    queue.send(message).await.expect("send");
    for attempt in 1..=max_receives {
        let received = receive_one(queue)
            .await
            .unwrap_or_else(|| panic!("receive {attempt} delivers the message"));
        assert_eq!(received.receive_count, attempt);
        queue
            .change_visibility(&received.receipt, Duration::ZERO)
            .await
            .expect("fail: release at once");
    }
    assert!(
        receive_one(queue).await.is_none(),
        "after {max_receives} failed receives the message leaves the queue"
    );
    let parked = receive_one(dead_letter)
        .await
        .expect("the message is in the dead-letter queue");
    assert_eq!(parked.body, body, "nothing lost");
}

/// A consumer dies mid-message (never deletes): after the visibility timeout another consumer gets it and
/// processes it once; nothing is lost or processed twice.
pub async fn crash_and_redelivery(queue: &dyn JobQueue, message: OutgoingMessage) {
    let mut processed: BTreeSet<String> = BTreeSet::new();
    let sent = queue.send(message).await.expect("send");
    let crashed = receive_one(queue).await.expect("first consumer receives");
    queue
        .change_visibility(&crashed.receipt, Duration::from_secs(1))
        .await
        .expect("short visibility timeout");
    drop(crashed); // the consumer dies before processing or deleting
    assert_nothing_visible(queue, "hidden while the timeout runs").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let redelivered = queue
        .receive(1, Duration::from_secs(2))
        .await
        .expect("receive")
        .into_iter()
        .next()
        .expect("redelivered after the timeout");
    assert_eq!(
        (redelivered.message_id.as_str(), redelivered.receive_count),
        (sent.as_str(), 2)
    );
    assert!(
        processed.insert(redelivered.message_id.clone()),
        "processed once"
    );
    queue.delete(&redelivered.receipt).await.expect("delete");
    assert_nothing_visible(queue, "gone once processed").await;
    assert_eq!(processed.len(), 1);
}

/// Publishing returns a message id.
pub async fn notifier(topic: &dyn Notifier) {
    let message = PublishedMessage {
        subject: "Backtest complete".into(),
        message: r#"{"job_id":"j1","status":"completed"}"#.into(),
        attributes: BTreeMap::from([("severity".to_owned(), "INFO".to_owned())]),
    };
    let id = topic.publish(message).await.expect("publish");
    assert!(!id.is_empty());
}

/// Named executions: idempotent start, status, stop.
pub async fn workflow_starter(workflows: &dyn WorkflowStarter) {
    let input = json!({"job_id": "j1", "trace_id": "t1"});
    let arn = workflows.start("job-j1", &input).await.expect("start");
    assert!(
        arn.contains(":execution:") && arn.ends_with(":job-j1"),
        "{arn}"
    );
    assert_eq!(
        workflows
            .start("job-j1", &input)
            .await
            .expect("same name, same input"),
        arn,
        "starting twice is idempotent"
    );
    assert_eq!(
        workflows.status(&arn).await.expect("status"),
        ExecutionStatus::Running
    );
    workflows
        .stop(&arn, "cancelled by user")
        .await
        .expect("stop");
    // StopExecution is asynchronous (the execution winds down, then reads ABORTED): wait for it, bounded.
    let mut status = workflows.status(&arn).await.expect("status");
    for _ in 0..100 {
        if status != ExecutionStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = workflows.status(&arn).await.expect("status");
    }
    assert_eq!(
        status,
        ExecutionStatus::Aborted,
        "a stopped execution ends ABORTED"
    );
}
