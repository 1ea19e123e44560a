//! DynamoDB record stores.

use std::sync::Arc;

use tradai_aws::{DynamoRecordStore, DynamoTransactor};
use tradai_domain::entities::{
    BacktestJob, IdempotencyRecord, NotificationRecord, RollbackRecord, TradingSession,
};
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
    let repo = JobRepository::new(Arc::new(store));
    contracts::job_repository(&repo).await;
    contracts::job_attempts(&repo).await;
    emulator::assert_declared(&clients, DynamoRecordStore::<BacktestJob>::ACCESS);
}

/// Transactions over the idempotency and workflow-state tables: one `TransactWriteItems`.
#[tokio::test]
async fn transactions_on_dynamodb() {
    let (config, clients, _) = emulator::provisioned().await;
    let claims =
        DynamoRecordStore::<IdempotencyRecord>::new(clients.dynamodb.clone(), &config, policy())
            .expect("table in config");
    let jobs = DynamoRecordStore::<BacktestJob>::new(clients.dynamodb.clone(), &config, policy())
        .expect("table in config");
    let tx = DynamoTransactor::new(clients.dynamodb.clone(), &config, policy());
    contracts::transactions(
        Arc::new(tx),
        Arc::new(claims),
        &JobRepository::new(Arc::new(jobs)),
    )
    .await;
    emulator::assert_declared(&clients, DynamoTransactor::ACCESS);
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

/// `update_item` as the `dynamodb:updateItem` integration calls it: a SET with attribute names creates the
/// item from its key, a second one updates it, and a refusal comes back as DynamoDB's code.
#[tokio::test]
async fn update_item_as_the_workflow_integration_calls_it() {
    use serde_json::{json, Map, Value};
    let (config, clients, _) = emulator::provisioned().await;
    let table = config.names().table("retraining-state");
    let object = |v: Value| -> Map<String, Value> { v.as_object().cloned().expect("object") };
    let key = object(json!({"model_name": "m1"}));
    let names = object(json!({"#status": "status"}));
    for status in ["running", "completed"] {
        tradai_aws::update_item(
            &clients,
            table.as_str(),
            &key,
            "SET #status = :status, updated_at = :at",
            &names,
            &object(json!({":status": status, ":at": "2026-11-30T00:00:00Z"})),
        )
        .await
        .expect("updated");
    }
    let item = clients
        .dynamodb
        .get_item()
        .table_name(table.as_str())
        .key(
            "model_name",
            aws_sdk_dynamodb::types::AttributeValue::S("m1".into()),
        )
        .send()
        .await
        .expect("read")
        .item
        .expect("the item exists");
    assert_eq!(
        item["status"].as_s().ok().map(String::as_str),
        Some("completed")
    );
    let (code, _) = tradai_aws::update_item(
        &clients,
        table.as_str(),
        &key,
        "SET broken",
        &names,
        &Map::new(),
    )
    .await
    .expect_err("a malformed expression");
    assert_eq!(code, "ValidationException");
}
