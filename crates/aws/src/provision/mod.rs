//! Create the canonical config's tables, buckets, queues and topics with the same names, keys, indexes, TTL and
//! redrive the stacks give them: the test fixtures' emulator resources (`tradai local up --aws-endpoint` and
//! `tradai twin` create what the stacks plan instead, from the planned graph). Creating something that
//! exists already is not an error.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use tradai_config::{AttributeType, Config, QueueSpec, TableSpec};
use tradai_domain::{DomainError, Result};

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::error::domain_error;
use crate::Clients;

#[cfg(feature = "cognito")]
pub mod cognito;
mod resources;
mod table;

pub use aws_sdk_sqs::types::QueueAttributeName;
pub use resources::{bucket_versioning, cluster, log_group, state_machine};
#[cfg(feature = "secrets")]
pub use resources::{put_secret_value, secret};
pub use table::{create_table, IndexShape, Projected, TableShape};

/// URLs and ARNs of what was provisioned, by config key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provisioned {
    pub queue_urls: BTreeMap<String, String>,
    pub dead_letter_urls: BTreeMap<String, String>,
    pub topic_arns: BTreeMap<String, String>,
}

/// Provision every table, bucket, queue and topic of `config`.
pub async fn all(clients: &Clients, config: &Config) -> Result<Provisioned> {
    let names = config.names();
    let s = config.settings();
    for (key, spec) in &s.tables {
        table(clients, names.table(key).as_str(), spec).await?;
    }
    for key in s.buckets.keys() {
        bucket(clients, names.bucket(key).as_str(), &s.aws.region).await?;
    }
    let mut provisioned = Provisioned::default();
    for (key, spec) in &s.queues {
        let (url, dlq) = queue(clients, config, key, spec).await?;
        provisioned.queue_urls.insert(key.clone(), url);
        if let Some(dlq) = dlq {
            provisioned.dead_letter_urls.insert(key.clone(), dlq);
        }
    }
    for key in s.topics.keys() {
        provisioned.topic_arns.insert(
            key.clone(),
            topic(clients, names.topic(key).as_str()).await?,
        );
    }
    Ok(provisioned)
}

/// A table with its keys, indexes (projection ALL), on-demand billing and TTL.
pub async fn table(clients: &Clients, name: &str, spec: &TableSpec) -> Result<()> {
    let mut attributes: BTreeMap<&str, AttributeType> = BTreeMap::new();
    for key in spec.key_attributes() {
        attributes.insert(&key.name, key.kind);
    }
    let shape = TableShape {
        name,
        attributes: attributes.into_iter().collect(),
        partition: &spec.partition_key.name,
        sort: spec.sort_key.as_ref().map(|k| k.name.as_str()),
        indexes: spec
            .gsis
            .iter()
            .map(|gsi| IndexShape {
                name: &gsi.name,
                partition: &gsi.partition_key.name,
                sort: gsi.sort_key.as_ref().map(|k| k.name.as_str()),
                projection: Projected::All,
            })
            .collect(),
        ttl_attribute: spec.ttl_attribute.as_deref(),
    };
    create_table(clients, &shape).await
}

/// A bucket in `region`.
pub async fn bucket(clients: &Clients, name: &str, region: &str) -> Result<()> {
    let location = (region != "us-east-1").then(|| {
        CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(region))
            .build()
    });
    let created = clients
        .s3
        .create_bucket()
        .bucket(name)
        .set_create_bucket_configuration(location)
        .send()
        .await;
    exists_or_created(created, "s3", |e| e.is_bucket_already_owned_by_you())
}

/// A create call's result where "it exists already" (`exists`) is success too.
pub(crate) fn exists_or_created<T, E>(
    result: std::result::Result<T, SdkError<E, HttpResponse>>,
    service: &str,
    exists: impl FnOnce(&E) -> bool,
) -> Result<()>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(err) if err.as_service_error().is_some_and(exists) => Ok(()),
        Err(err) => Err(domain_error(service, err)),
    }
}

/// A queue named `name` with `attributes` (SQS attribute names, e.g. `VisibilityTimeout`); returns its URL.
/// Creating one that exists with the same attributes is not an error.
pub async fn create_queue(
    clients: &Clients,
    name: &str,
    attributes: HashMap<QueueAttributeName, String>,
) -> Result<String> {
    let output = clients
        .sqs
        .create_queue()
        .queue_name(name)
        .set_attributes(Some(attributes))
        .send()
        .await
        .map_err(|e| domain_error("sqs", e))?;
    output
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| DomainError::Configuration(format!("queue {name} has no URL")))
}

/// The ARN of the queue at `url`.
pub async fn queue_arn(clients: &Clients, url: &str) -> Result<String> {
    let output = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| domain_error("sqs", e))?;
    output
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| DomainError::Configuration(format!("queue {url} has no ARN")))
}

/// `queues.<key>` and its dead-letter queue with the redrive policy; returns (queue URL, DLQ URL).
pub async fn queue(
    clients: &Clients,
    config: &Config,
    key: &str,
    spec: &QueueSpec,
) -> Result<(String, Option<String>)> {
    let names = config.names();
    let fifo = |attributes: &mut HashMap<QueueAttributeName, String>| {
        if spec.fifo {
            attributes.insert(QueueAttributeName::FifoQueue, "true".into());
        }
    };
    let mut dlq_url = None;
    let mut attributes = HashMap::from([
        (
            QueueAttributeName::VisibilityTimeout,
            spec.visibility_timeout_seconds.to_string(),
        ),
        (
            QueueAttributeName::MessageRetentionPeriod,
            spec.message_retention_seconds.to_string(),
        ),
        (
            QueueAttributeName::ReceiveMessageWaitTimeSeconds,
            spec.receive_wait_seconds.to_string(),
        ),
    ]);
    fifo(&mut attributes);
    if spec.fifo {
        attributes.insert(
            QueueAttributeName::ContentBasedDeduplication,
            spec.content_based_deduplication.to_string(),
        );
    }
    if let Some(dead_letter) = &spec.dead_letter {
        let mut dlq_attributes = HashMap::from([(
            QueueAttributeName::MessageRetentionPeriod,
            dead_letter.message_retention_seconds.to_string(),
        )]);
        fifo(&mut dlq_attributes);
        let url = create_queue(
            clients,
            names.dead_letter_queue(key, spec.fifo).as_str(),
            dlq_attributes,
        )
        .await?;
        let redrive = serde_json::json!({"deadLetterTargetArn": queue_arn(clients, &url).await?, "maxReceiveCount": dead_letter.max_receive_count});
        attributes.insert(QueueAttributeName::RedrivePolicy, redrive.to_string());
        dlq_url = Some(url);
    }
    let url = create_queue(clients, names.queue(key, spec.fifo).as_str(), attributes).await?;
    Ok((url, dlq_url))
}

/// A topic; returns its ARN.
pub async fn topic(clients: &Clients, name: &str) -> Result<String> {
    let output = clients
        .sns
        .create_topic()
        .name(name)
        .send()
        .await
        .map_err(|e| domain_error("sns", e))?;
    output
        .topic_arn()
        .map(str::to_owned)
        .ok_or_else(|| DomainError::Configuration(format!("topic {name} has no ARN")))
}

/// Subscribe a queue to a topic with raw message delivery (the body is the published message).
pub async fn subscribe_queue(clients: &Clients, topic_arn: &str, queue_url: &str) -> Result<()> {
    let arn = queue_arn(clients, queue_url).await?;
    clients
        .sns
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .map_err(|e| domain_error("sns", e))?;
    Ok(())
}
