//! The in-memory adapters pass the same contract suites as the AWS adapters.

use std::sync::Arc;
use std::time::Duration;

use tradai_domain::entities::{
    BacktestJob, IdempotencyRecord, NotificationRecord, RollbackRecord, TradingSession,
};
use tradai_domain::ports::{JobQueue, JobRepository, OutgoingMessage, TableLayout};
use tradai_memory::{
    MemoryNotifier, MemoryObjectStore, MemoryQueue, MemoryRecordStore, MemoryTaskRunner,
    MemoryTransactor, MemoryWorkflows,
};
use tradai_test_support::{config_with_prefix, contracts};

fn layout(table: &str) -> TableLayout {
    let config = config_with_prefix("mem");
    TableLayout::from_spec(table, &config.settings().tables[table])
}

fn queue(key: &str) -> MemoryQueue {
    let config = config_with_prefix("mem");
    MemoryQueue::from_spec(key, &config.settings().queues[key])
}

/// Job repository contract on the workflow-state layout.
#[tokio::test]
async fn job_repository() {
    let store = Arc::new(MemoryRecordStore::<BacktestJob>::new(layout(
        "workflow-state",
    )));
    let repo = JobRepository::new(store);
    contracts::job_repository(&repo).await;
    contracts::job_attempts(&repo).await;
}

/// Transactions over the idempotency and workflow-state layouts.
#[tokio::test]
async fn transactions() {
    let claims = Arc::new(MemoryRecordStore::<IdempotencyRecord>::new(layout(
        "idempotency",
    )));
    let jobs = Arc::new(MemoryRecordStore::<BacktestJob>::new(layout(
        "workflow-state",
    )));
    let mut tx = MemoryTransactor::new();
    tx.include(claims.clone());
    tx.include(jobs.clone());
    contracts::transactions(Arc::new(tx), claims, &JobRepository::new(jobs)).await;
}

/// Sort-key queries on the rollback-state layout.
#[tokio::test]
async fn sorted_records() {
    contracts::sorted_records(Arc::new(MemoryRecordStore::<RollbackRecord>::new(layout(
        "rollback-state",
    ))))
    .await;
}

/// TTL semantics on the notifications layout.
#[tokio::test]
async fn ttl_records() {
    contracts::ttl_records(Arc::new(MemoryRecordStore::<NotificationRecord>::new(
        layout("notifications"),
    )))
    .await;
}

/// Lifecycle guards on the trading-state layout.
#[tokio::test]
async fn trading_sessions() {
    contracts::trading_sessions(Arc::new(MemoryRecordStore::<TradingSession>::new(layout(
        "trading-state",
    ))))
    .await;
}

/// Object store contract.
#[tokio::test]
async fn object_store() {
    contracts::object_store(&MemoryObjectStore::new()).await;
}

/// FIFO queue contract on the backtest queue's spec.
#[tokio::test]
async fn fifo_queue() {
    contracts::fifo_queue(&queue("backtest")).await;
}

/// Standard queue contract on the retraining queue's spec.
#[tokio::test]
async fn standard_queue() {
    contracts::standard_queue(&queue("retraining")).await;
}

/// Dead-letter redrive after maxReceiveCount (3) receives.
#[tokio::test]
async fn dead_letter_after_three_receives() {
    let q = queue("backtest");
    let dlq = q.dead_letter_queue().expect("backtest has a DLQ");
    let message = OutgoingMessage {
        body: "poison".into(),
        group_id: Some("g".into()),
        dedup_id: Some("p1".into()),
    };
    contracts::dead_letter_after_max_receives(&q, dlq.as_ref(), 3, message).await;
}

/// A crashed consumer's message is redelivered after the visibility timeout and processed once.
#[tokio::test]
async fn crash_and_redelivery() {
    let q = queue("retraining");
    contracts::crash_and_redelivery(
        &q,
        OutgoingMessage {
            body: "m".into(),
            group_id: None,
            dedup_id: None,
        },
    )
    .await;
}

/// Topic contract, and fan-out to a subscribed queue.
#[tokio::test]
async fn notifier_fans_out_to_subscribers() {
    let topic = MemoryNotifier::new();
    let subscriber = Arc::new(queue("retraining"));
    topic.subscribe(subscriber.clone());
    contracts::notifier(&topic).await;
    let delivered = subscriber
        .receive(10, Duration::ZERO)
        .await
        .expect("receive");
    assert_eq!(delivered.len(), 1);
    assert_eq!(topic.published().len(), 1);
}

/// Workflow starter contract.
#[tokio::test]
async fn workflow_starter() {
    contracts::workflow_starter(&MemoryWorkflows::new("tradai-backtest-workflow-dev")).await;
}

/// Task runner contract.
#[tokio::test]
async fn task_runner() {
    contracts::task_runner(
        &MemoryTaskRunner::new("tradai-dev"),
        "tradai-strategy-generic-dev",
    )
    .await;
}

/// Model registry and experiment runs.
#[tokio::test]
async fn model_registry() {
    contracts::model_registry(&tradai_memory::MemoryModelRegistry::new()).await;
}

/// Promotion and rollback rules over the in-memory registry.
#[tokio::test]
async fn promotion() {
    contracts::promotion(&tradai_memory::MemoryModelRegistry::new()).await;
}

/// Log streams read in pages.
#[tokio::test]
async fn log_reader() {
    let logs = tradai_memory::MemoryLogs::new();
    let stream = "services/live-trading/live-trading/t1";
    logs.append("/ecs/tradai/dev", stream, contracts::sample_events(1_000));
    contracts::log_reader(&logs, "/ecs/tradai/dev", stream, 1_000).await;
}
