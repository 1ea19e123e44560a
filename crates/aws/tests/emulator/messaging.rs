//! SQS queues, SNS topics and Step Functions.

use std::sync::Arc;
use std::time::Duration;

use tradai_aws::provision;
use tradai_aws::{Clients, SfnWorkflows, SnsNotifier, SqsQueue};
use tradai_config::Config;
use tradai_domain::ports::{JobQueue, OutgoingMessage};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_test_support::{contracts, emulator};

fn policy(service: &str) -> Arc<ResiliencePolicy> {
    Arc::new(ResiliencePolicy::aws(service))
}

/// `queues.<key>` (or its dead-letter queue) of the provisioned config.
async fn sqs_queue(config: &Config, clients: &Clients, key: &str, dead_letter: bool) -> SqsQueue {
    SqsQueue::lookup(clients.sqs.clone(), config, key, dead_letter, policy("sqs"))
        .await
        .expect("provisioned queue")
}

/// FIFO order per group, deduplication, group held while in flight, on the backtest queue.
#[tokio::test]
async fn fifo_queue_on_sqs() {
    let (config, clients, _) = emulator::provisioned().await;
    let queue = sqs_queue(&config, &clients, "backtest", false).await;
    contracts::fifo_queue(&queue).await;
    emulator::assert_declared(&clients, SqsQueue::ACCESS);
}

/// Receive, visibility and delete on the retraining queue.
#[tokio::test]
async fn standard_queue_on_sqs() {
    let (config, clients, _) = emulator::provisioned().await;
    let queue = sqs_queue(&config, &clients, "retraining", false).await;
    contracts::standard_queue(&queue).await;
    emulator::assert_declared(&clients, SqsQueue::ACCESS);
}

/// A message failing 3 times lands in the DLQ (redrive provisioned from the config's maxReceiveCount).
#[tokio::test]
async fn dead_letter_after_three_receives_on_sqs() {
    let (config, clients, _) = emulator::provisioned().await;
    let queue = sqs_queue(&config, &clients, "backtest", false).await;
    let dlq = sqs_queue(&config, &clients, "backtest", true).await;
    let max = config.settings().queues["backtest"]
        .dead_letter
        .as_ref()
        .expect("dlq spec")
        .max_receive_count;
    let message = OutgoingMessage {
        body: "poison".into(),
        group_id: Some("g".into()),
        dedup_id: Some("p1".into()),
    };
    contracts::dead_letter_after_max_receives(&queue, &dlq, max, message).await;
    emulator::assert_declared(&clients, SqsQueue::ACCESS);
}

/// A consumer that dies mid-message: redelivered after the visibility timeout, processed once.
#[tokio::test]
async fn crash_and_redelivery_on_sqs() {
    let (config, clients, _) = emulator::provisioned().await;
    let queue = sqs_queue(&config, &clients, "retraining", false).await;
    contracts::crash_and_redelivery(
        &queue,
        OutgoingMessage {
            body: "m".into(),
            group_id: None,
            dedup_id: None,
        },
    )
    .await;
    emulator::assert_declared(&clients, SqsQueue::ACCESS);
}

/// SNS fans out to a subscribed SQS queue.
#[tokio::test]
async fn sns_fans_out_to_sqs() {
    let (config, clients, provisioned) = emulator::provisioned().await;
    let topic_arn = provisioned.topic_arns["alerts"].clone();
    let url = provisioned.queue_urls["retraining"].clone();
    provision::subscribe_queue(&clients, &topic_arn, &url)
        .await
        .expect("subscribe");
    emulator::forget_calls(&clients);
    let topic = SnsNotifier::new(clients.sns.clone(), topic_arn, policy("sns"));
    contracts::notifier(&topic).await;
    emulator::assert_declared(&clients, SnsNotifier::ACCESS);
    let queue = SqsQueue::new(clients.sqs.clone(), url, policy("sqs"));
    let delivered = queue
        .receive(10, Duration::from_secs(2))
        .await
        .expect("receive");
    assert_eq!(
        delivered.len(),
        1,
        "one published message reaches the subscribed queue"
    );
    assert_eq!(
        delivered[0].body, r#"{"job_id":"j1","status":"completed"}"#,
        "raw delivery keeps the body"
    );
    let _ = config;
}

/// Named executions: idempotent start, status, stop.
#[tokio::test]
async fn workflow_starter_on_step_functions() {
    let (config, clients, _) = emulator::provisioned().await;
    let role = emulator::states_role(&clients, &config).await;
    let definition =
        r#"{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":600,"End":true}}}"#;
    let machine = clients
        .sfn
        .create_state_machine()
        .name(config.names().state_machine("backtest").as_str())
        .definition(definition)
        .role_arn(role)
        .send()
        .await
        .expect("create state machine");
    emulator::forget_calls(&clients);
    let workflows = SfnWorkflows::new(
        clients.sfn.clone(),
        machine.state_machine_arn().to_owned(),
        policy("states"),
    );
    contracts::workflow_starter(&workflows).await;
    emulator::assert_declared(&clients, SfnWorkflows::ACCESS);
}
