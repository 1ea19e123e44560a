//! DynamoDB tables and S3 buckets.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings shared by every table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbSettings {
    /// Whether tables refuse deletion (on in prod).
    pub deletion_protection: bool,
}

/// One DynamoDB table (on-demand billing, encrypted at rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Partition key. Immutable after the first deploy.
    pub partition_key: KeyAttribute,
    /// Sort key, if any. Immutable after the first deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<KeyAttribute>,
    /// Global secondary indexes.
    #[serde(default)]
    pub gsis: Vec<GsiSpec>,
    /// Attribute holding the expiry epoch second, when items expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_attribute: Option<String>,
    /// Point-in-time recovery (on for every table that holds state).
    #[serde(default = "yes")]
    pub pitr: bool,
    /// DynamoDB stream view, if a stream is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamView>,
}

fn yes() -> bool {
    true
}

impl TableSpec {
    /// Every key attribute: the table's keys, then each index's keys (an attribute may appear more than once).
    pub fn key_attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        let indexes = self
            .gsis
            .iter()
            .flat_map(|g| std::iter::once(&g.partition_key).chain(&g.sort_key));
        std::iter::once(&self.partition_key)
            .chain(&self.sort_key)
            .chain(indexes)
    }
}

/// A key attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyAttribute {
    /// Attribute name.
    pub name: String,
    /// Attribute type: `S` (string), `N` (number) or `B` (binary).
    #[serde(rename = "type")]
    pub kind: AttributeType,
}

/// DynamoDB scalar attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AttributeType {
    S,
    N,
    B,
}

/// A global secondary index (projection ALL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GsiSpec {
    /// Index name, e.g. `status-created_at-index`.
    pub name: String,
    /// Index partition key.
    pub partition_key: KeyAttribute,
    /// Index sort key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_key: Option<KeyAttribute>,
}

/// What a DynamoDB stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamView {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

/// One S3 bucket (SSE-S3, public access blocked, TLS only — not configurable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    /// Whether object versioning is on.
    pub versioning: bool,
    /// Expiry rules.
    #[serde(default)]
    pub lifecycle: Vec<LifecycleRule>,
}

/// An expiry rule for objects under a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// Rule id, unique within the bucket.
    pub id: String,
    /// Key prefix the rule applies to; empty for the whole bucket.
    pub prefix: String,
    /// Days after which current objects expire.
    pub expire_after_days: u32,
}
