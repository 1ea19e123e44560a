//! DynamoDB record stores.

use std::sync::Arc;

use tradai_aws::DynamoRecordStore;
use tradai_domain::entities::{BacktestJob, NotificationRecord, RollbackRecord, TradingSession};
use tradai_domain::ports::JobRepository;
use tradai_domain::resilience::ResiliencePolicy;
use tradai_test_support::{contracts, emulator};

fn policy() -> Arc<ResiliencePolicy> {
    Arc::new(ResiliencePolicy::aws("dynamodb"))
}

/// Job repository: conditional transitions, one winner of a race, GSI queries newest first, trace lookups.
#[tokio::test]
async fn job_repository_on_dynamodb() {
    let (config, clients, _) = emulator::provisioned().await;
    let store = DynamoRecordStore::<BacktestJob>::new(clients.dynamodb.clone(), &config, policy())
        .expect("table in config");
    contracts::job_repository(&JobRepository::new(Arc::new(store))).await;
    emulator::assert_declared(&clients, DynamoRecordStore::<BacktestJob>::ACCESS);
}

/// Sort-key range queries.
#[tokio::test]
async fn sorted_records_on_dynamodb() {
    let (config, clients, _) = emulator::provisioned().await;
    let store =
        DynamoRecordStore::<RollbackRecord>::new(clients.dynamodb.clone(), &config, policy())
            .expect("table in config");
    contracts::sorted_records(Arc::new(store)).await;
    emulator::assert_declared(&clients, DynamoRecordStore::<RollbackRecord>::ACCESS);
}

/// TTL attribute written, expired items ignored, and the table's TTL setting on.
#[tokio::test]
async fn ttl_records_on_dynamodb() {
    let (config, clients, _) = emulator::provisioned().await;
    let store =
        DynamoRecordStore::<NotificationRecord>::new(clients.dynamodb.clone(), &config, policy())
            .expect("table in config");
    contracts::ttl_records(Arc::new(store)).await;
    emulator::assert_declared(&clients, DynamoRecordStore::<NotificationRecord>::ACCESS);
    let table = config.names().table("notifications");
    let ttl = clients
        .dynamodb
        .describe_time_to_live()
        .table_name(table.as_str())
        .send()
        .await
        .expect("describe ttl");
    let description = ttl.time_to_live_description().expect("ttl description");
    assert_eq!(
        description.attribute_name(),
        Some("ttl"),
        "TTL attribute as the config names it"
    );
}

/// Lifecycle guards as conditional writes on the trading-state table.
#[tokio::test]
async fn trading_sessions_on_dynamodb() {
    let (config, clients, _) = emulator::provisioned().await;
    let store =
        DynamoRecordStore::<TradingSession>::new(clients.dynamodb.clone(), &config, policy())
            .expect("table in config");
    contracts::trading_sessions(Arc::new(store)).await;
}
