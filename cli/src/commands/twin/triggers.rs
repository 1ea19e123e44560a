//! The planned SQS event source mappings, run as Lambda runs them: long-poll the queue for up to the batch
//! size, hand the batch to the function as an SQS event, then delete what succeeded. With
//! `ReportBatchItemFailures` the function's `batchItemFailures` stay on the queue; an invocation that fails
//! leaves the whole batch. What stays becomes visible again after the queue's visibility timeout, and the
//! queue's planned redrive policy moves it to its dead-letter queue after `maxReceiveCount` receives (the
//! emulator applies it, as SQS does).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::MessageSystemAttributeName;
use serde_json::{json, Map, Value};
use tradai_lambdas::runtime_api::Outcome;

use super::functions::Mapping;
use super::lambda::Lambda;
use super::plane::Plane;

/// A received message as Lambda's SQS event record carries it.
fn record(m: &aws_sdk_sqs::types::Message, mapping: &Mapping, region: &str) -> Value {
    let attributes: Map<String, Value> = m
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    let message_attributes: Map<String, Value> = m
        .message_attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| {
                    let value = json!({"stringValue": v.string_value(), "stringListValues": [],
                        "binaryListValues": [], "dataType": v.data_type()});
                    (k.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "messageId": m.message_id(),
        "receiptHandle": m.receipt_handle(),
        "body": m.body(),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": mapping.queue_arn,
        "awsRegion": region,
    })
}

/// The message ids a function's answer reports as failed (`batchItemFailures[].itemIdentifier`).
fn failures(answer: &Value) -> HashSet<String> {
    answer["batchItemFailures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
        .collect()
}

/// The enabled planned mappings, each polling for its function: the mapping and its task.
pub type Triggers = Vec<(Mapping, tokio::task::JoinHandle<()>)>;

/// Start polling for every enabled planned mapping whose function runs in `lambdas`.
pub fn start(plane: &Plane, lambdas: &[Arc<Lambda>]) -> anyhow::Result<Triggers> {
    let planned: Vec<_> = lambdas.iter().map(|l| l.function.clone()).collect();
    let mut triggers = Vec::new();
    for m in super::functions::mappings(&plane.graph, &planned)? {
        let Some(lambda) = lambdas.iter().find(|l| l.function.name == m.function) else {
            continue;
        };
        if !m.enabled {
            continue;
        }
        let task = tokio::spawn(run(
            plane.clients.sqs.clone(),
            m.clone(),
            lambda.clone(),
            plane.region.clone(),
        ));
        triggers.push((m, task));
    }
    Ok(triggers)
}

/// Poll `mapping`'s queue for `lambda` until the task is aborted.
async fn run(sqs: aws_sdk_sqs::Client, mapping: Mapping, lambda: Arc<Lambda>, region: String) {
    let url = loop {
        match sqs.get_queue_url().queue_name(&mapping.queue).send().await {
            Ok(found) => break found.queue_url().unwrap_or_default().to_owned(),
            Err(e) => {
                eprintln!(
                    "trigger {}: queue {} not found ({e}); retrying",
                    mapping.name, mapping.queue
                );
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(mapping.batch_size.clamp(1, 10))
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await;
        let messages = match received {
            Ok(r) => r.messages.unwrap_or_default(),
            Err(e) => {
                eprintln!(
                    "trigger {}: receiving from {} failed: {e}",
                    mapping.name, mapping.queue
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let event = json!({"Records": messages.iter().map(|m| record(m, &mapping, &region)).collect::<Vec<_>>()});
        let failed = match lambda.invoke(event).await {
            Ok(Outcome::Response(answer)) if mapping.report_failures => failures(&answer),
            Ok(Outcome::Response(_)) => HashSet::new(),
            Ok(Outcome::Error { .. }) | Err(_) => messages
                .iter()
                .filter_map(|m| m.message_id().map(str::to_owned))
                .collect(),
        };
        for m in messages
            .iter()
            .filter(|m| !m.message_id().is_some_and(|id| failed.contains(id)))
        {
            if let Some(receipt) = m.receipt_handle() {
                let _ = sqs
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(receipt)
                    .send()
                    .await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_failures_are_read_by_message_id() {
        let answer =
            json!({"batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": 3}]});
        assert_eq!(failures(&answer), HashSet::from(["m-2".to_owned()]));
        assert!(failures(&json!({})).is_empty());
    }
}
