//! Create the canonical config's tables, buckets, queues and topics with the same names, keys, indexes, TTL and
//! redrive the stacks give them: for emulators (tests, `tradai local up --aws-endpoint`). Creating something that
//! exists already is not an error.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_sqs::types::QueueAttributeName;
use tradai_config::{AttributeType, Config, KeyAttribute, QueueSpec, TableSpec};
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;
use crate::Clients;

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

fn scalar(kind: AttributeType) -> ScalarAttributeType {
    match kind {
        AttributeType::S => ScalarAttributeType::S,
        AttributeType::N => ScalarAttributeType::N,
        AttributeType::B => ScalarAttributeType::B,
    }
}

fn schema(partition: &KeyAttribute, sort: Option<&KeyAttribute>) -> Result<Vec<KeySchemaElement>> {
    let element = |key: &KeyAttribute, kind| {
        KeySchemaElement::builder()
            .attribute_name(&key.name)
            .key_type(kind)
            .build()
    };
    let mut keys = vec![element(partition, KeyType::Hash)];
    keys.extend(sort.map(|s| element(s, KeyType::Range)));
    keys.into_iter()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| DomainError::Configuration(e.to_string()))
}

/// A table with its keys, indexes (projection ALL), on-demand billing and TTL.
pub async fn table(clients: &Clients, name: &str, spec: &TableSpec) -> Result<()> {
    let mut attributes: BTreeMap<&str, AttributeType> = BTreeMap::new();
    for key in spec.key_attributes() {
        attributes.insert(&key.name, key.kind);
    }
    let definitions = attributes
        .into_iter()
        .map(|(name, kind)| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(scalar(kind))
                .build()
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| DomainError::Configuration(e.to_string()))?;
    let mut indexes = Vec::new();
    for gsi in &spec.gsis {
        let index = GlobalSecondaryIndex::builder()
            .index_name(&gsi.name)
            .set_key_schema(Some(schema(&gsi.partition_key, gsi.sort_key.as_ref())?))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(|e| DomainError::Configuration(e.to_string()))?;
        indexes.push(index);
    }
    let created = clients
        .dynamodb
        .create_table()
        .table_name(name)
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(schema(&spec.partition_key, spec.sort_key.as_ref())?))
        .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            return Ok(())
        }
        Err(err) => return Err(domain_error("dynamodb", err)),
    }
    if let Some(attribute) = &spec.ttl_attribute {
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(|e| DomainError::Configuration(e.to_string()))?;
        clients
            .dynamodb
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| domain_error("dynamodb", e))?;
    }
    Ok(())
}

/// A bucket in `region`.
pub async fn bucket(clients: &Clients, name: &str, region: &str) -> Result<()> {
    let location = (region != "us-east-1").then(|| {
        CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(region))
            .build()
    });
    match clients
        .s3
        .create_bucket()
        .bucket(name)
        .set_create_bucket_configuration(location)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you()) =>
        {
            Ok(())
        }
        Err(err) => Err(domain_error("s3", err)),
    }
}

async fn create_queue(
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

async fn queue_arn(clients: &Clients, url: &str) -> Result<String> {
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
