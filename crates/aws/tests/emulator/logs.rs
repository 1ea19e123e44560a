use std::sync::Arc;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use tradai_aws::CloudWatchLogs;
use tradai_domain::resilience::ResiliencePolicy;
use tradai_test_support::{config_with_prefix, contracts, emulator, unique_prefix};

/// CloudWatch Logs through the same contract as the in-memory streams.
#[tokio::test]
async fn cloudwatch_logs_pass_the_log_reader_contract() {
    let config = config_with_prefix(&unique_prefix());
    let clients = emulator::clients(&config).await;
    let group = config.names().ecs_log_group();
    let stream = "services/live-trading/live-trading/0123456789abcdef";
    clients
        .logs
        .create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .expect("group");
    clients
        .logs
        .create_log_stream()
        .log_group_name(&group)
        .log_stream_name(stream)
        .send()
        .await
        .expect("stream");
    let base = contracts::log_base();
    let events: Vec<InputLogEvent> = contracts::sample_events(base)
        .into_iter()
        .map(|e| {
            InputLogEvent::builder()
                .timestamp(e.timestamp)
                .message(e.message)
                .build()
                .expect("event")
        })
        .collect();
    clients
        .logs
        .put_log_events()
        .log_group_name(&group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("put events");
    emulator::forget_calls(&clients);
    let reader = CloudWatchLogs::new(
        clients.logs.clone(),
        Arc::new(ResiliencePolicy::aws("logs")),
    );
    contracts::log_reader(&reader, &group, stream, base).await;
    emulator::assert_declared(&clients, CloudWatchLogs::ACCESS);
}
