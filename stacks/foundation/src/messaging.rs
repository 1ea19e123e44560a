//! The queues (each with its dead-letter queue and redrive) and the topics of the config.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use serde_json::json;
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::{sns, sqs};
use tradai_stack_kit::{int, tags};

/// URLs and ARNs by config key.
pub struct Messaging {
    pub queue_urls: BTreeMap<String, Output<String>>,
    pub queue_arns: BTreeMap<String, Output<String>>,
    pub topic_arns: BTreeMap<String, Output<String>>,
}

/// Create every queue and topic.
pub fn messaging(ctx: &Context, config: &Config) -> Messaging {
    let names = config.names();
    let mut messaging = Messaging {
        queue_urls: BTreeMap::new(),
        queue_arns: BTreeMap::new(),
        topic_arns: BTreeMap::new(),
    };
    for (key, spec) in &config.settings().queues {
        let redrive = spec.dead_letter.as_ref().map(|dead_letter| {
            let name = names.dead_letter_queue(key, spec.fifo).to_string();
            let dlq = sqs::queue::create(
                ctx,
                &name,
                sqs::queue::QueueArgs::builder()
                    .name(name.clone())
                    .fifo_queue(spec.fifo)
                    .message_retention_seconds(int(dead_letter.message_retention_seconds))
                    .sqs_managed_sse_enabled(true)
                    .tags(tags(config, Layer::Foundation, &format!("{key}-dlq")))
                    .build_struct(),
            );
            let max = dead_letter.max_receive_count;
            dlq.arn.map(move |arn| {
                json!({"deadLetterTargetArn": arn, "maxReceiveCount": max}).to_string()
            })
        });
        let name = names.queue(key, spec.fifo).to_string();
        let queue = sqs::queue::create(
            ctx,
            &name,
            sqs::queue::QueueArgs::builder()
                .name(name.clone())
                .fifo_queue(spec.fifo)
                .content_based_deduplication(spec.fifo.then_some(spec.content_based_deduplication))
                .visibility_timeout_seconds(int(spec.visibility_timeout_seconds))
                .message_retention_seconds(int(spec.message_retention_seconds))
                .receive_wait_time_seconds(int(spec.receive_wait_seconds))
                .maybe_redrive_policy(redrive)
                .sqs_managed_sse_enabled(true)
                .tags(tags(config, Layer::Foundation, key))
                .build_struct(),
        );
        messaging.queue_urls.insert(key.clone(), queue.url);
        messaging.queue_arns.insert(key.clone(), queue.arn);
    }
    for (key, spec) in &config.settings().topics {
        let name = names.topic(key).to_string();
        let topic = sns::topic::create(
            ctx,
            &name,
            sns::topic::TopicArgs::builder()
                .name(name.clone())
                .display_name(spec.display_name.clone())
                .tags(tags(config, Layer::Foundation, key))
                .build_struct(),
        );
        messaging.topic_arns.insert(key.clone(), topic.arn);
    }
    messaging
}
