//! A DynamoDB table of a given shape: keys, global secondary indexes, on-demand billing and TTL. The config's
//! tables and the planned graph's (the twin) are both created through it.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use tradai_config::AttributeType;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;
use crate::Clients;

/// What an index projects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projected<'a> {
    All,
    KeysOnly,
    Include(Vec<&'a str>),
}

/// One global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexShape<'a> {
    pub name: &'a str,
    pub partition: &'a str,
    pub sort: Option<&'a str>,
    pub projection: Projected<'a>,
}

/// A table: its name, the types of its key attributes, its keys, indexes and TTL attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape<'a> {
    pub name: &'a str,
    pub attributes: Vec<(&'a str, AttributeType)>,
    pub partition: &'a str,
    pub sort: Option<&'a str>,
    pub indexes: Vec<IndexShape<'a>>,
    pub ttl_attribute: Option<&'a str>,
}

fn scalar(kind: AttributeType) -> ScalarAttributeType {
    match kind {
        AttributeType::S => ScalarAttributeType::S,
        AttributeType::N => ScalarAttributeType::N,
        AttributeType::B => ScalarAttributeType::B,
    }
}

fn configuration(e: impl std::fmt::Display) -> DomainError {
    DomainError::Configuration(e.to_string())
}

fn schema(partition: &str, sort: Option<&str>) -> Result<Vec<KeySchemaElement>> {
    let element = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    let mut keys = vec![element(partition, KeyType::Hash)];
    keys.extend(sort.map(|s| element(s, KeyType::Range)));
    keys.into_iter()
        .collect::<std::result::Result<_, _>>()
        .map_err(configuration)
}

fn projection(projected: &Projected<'_>) -> Projection {
    let builder = Projection::builder();
    match projected {
        Projected::All => builder.projection_type(ProjectionType::All),
        Projected::KeysOnly => builder.projection_type(ProjectionType::KeysOnly),
        Projected::Include(attributes) => builder
            .projection_type(ProjectionType::Include)
            .set_non_key_attributes(Some(attributes.iter().map(|a| (*a).to_owned()).collect())),
    }
    .build()
}

/// Create `shape` on pay-per-request billing, then switch its TTL on. A table that exists already is left as
/// it is.
pub async fn create_table(clients: &Clients, shape: &TableShape<'_>) -> Result<()> {
    let definitions = shape
        .attributes
        .iter()
        .map(|(name, kind)| {
            AttributeDefinition::builder()
                .attribute_name(*name)
                .attribute_type(scalar(*kind))
                .build()
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(configuration)?;
    let mut indexes = Vec::new();
    for index in &shape.indexes {
        indexes.push(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(schema(index.partition, index.sort)?))
                .projection(projection(&index.projection))
                .build()
                .map_err(configuration)?,
        );
    }
    let created = clients
        .dynamodb
        .create_table()
        .table_name(shape.name)
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(schema(shape.partition, shape.sort)?))
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
    if let Some(attribute) = shape.ttl_attribute {
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(configuration)?;
        clients
            .dynamodb
            .update_time_to_live()
            .table_name(shape.name)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| domain_error("dynamodb", e))?;
    }
    Ok(())
}
