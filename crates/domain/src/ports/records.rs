//! The state-table port: typed records in a table whose keys, indexes and TTL come from the canonical config.

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::entities::Record;
use crate::Result;

/// The key of one record: partition value and, for tables with a sort key, the sort value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    pub partition: String,
    pub sort: Option<String>,
}

impl RecordKey {
    /// A key of a table without sort key.
    pub fn partition(value: impl Into<String>) -> Self {
        RecordKey {
            partition: value.into(),
            sort: None,
        }
    }

    /// A key of a table with a sort key.
    pub fn with_sort(partition: impl Into<String>, sort: impl Into<String>) -> Self {
        RecordKey {
            partition: partition.into(),
            sort: Some(sort.into()),
        }
    }
}

/// Order of a range query on the sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// One page of a query, with the cursor of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<R> {
    pub items: Vec<R>,
    /// Opaque cursor; `None` on the last page.
    pub next: Option<String>,
}

/// Outcome of a guarded update.
#[derive(Debug, Clone, PartialEq)]
pub enum Guarded<R> {
    /// The guard held; the record after the update.
    Applied(R),
    /// The guard failed; the record as it is now (stale writer, or another writer won).
    Rejected(R),
}

/// A condition on a stored record's top-level attributes: the guard of a conditional write (a DynamoDB
/// condition expression; the memory twin evaluates the same tree).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The string attribute is one of these (none: never holds).
    OneOf(String, Vec<String>),
    /// The attribute is absent (a stored null is present, as DynamoDB has it).
    Missing(String),
    /// The number attribute is present and below this.
    Below(String, i64),
    /// Every one holds.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
}

impl Condition {
    /// `field` equals `value`.
    pub fn equals(field: &str, value: impl Into<String>) -> Self {
        Condition::OneOf(field.to_owned(), vec![value.into()])
    }

    /// Whether it holds for `record` (a JSON object of the stored attributes).
    pub fn holds(&self, record: &Map<String, Value>) -> bool {
        match self {
            Condition::OneOf(field, allowed) => record
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| allowed.iter().any(|a| a == v)),
            Condition::Missing(field) => !record.contains_key(field),
            Condition::Below(field, limit) => record
                .get(field)
                .and_then(Value::as_f64)
                .is_some_and(|v| v < *limit as f64),
            Condition::All(all) => all.iter().all(|c| c.holds(record)),
            Condition::Any(any) => any.iter().any(|c| c.holds(record)),
        }
    }
}

/// Records of one table. Values are strings in key attributes; TTL is honoured on reads and conditional puts
/// even before the database deletes expired items.
#[async_trait]
pub trait RecordStore<R: Record>: Send + Sync {
    /// The record with this key, unless absent or expired.
    async fn get(&self, key: &RecordKey) -> Result<Option<R>>;

    /// Write the record, replacing any record with its key.
    async fn put(&self, record: &R) -> Result<()>;

    /// Write the record only if no live record has its key; `false` when one exists.
    async fn put_if_absent(&self, record: &R) -> Result<bool>;

    /// Records of one partition, ordered by sort key (tables with a sort key).
    async fn query(&self, partition: &str, order: Order, limit: usize) -> Result<Vec<R>>;

    /// Records whose index partition attribute equals `value`, ordered by the index sort key; `after` is the
    /// cursor of the previous page.
    async fn query_index(
        &self,
        index: &str,
        value: &str,
        order: Order,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<R>>;

    /// Apply `changes` (top-level attributes) only if the record exists and its attribute `field` is one of
    /// `allowed`: a conditional write, so of two racing writers at most one passes a guard the other breaks.
    async fn update_if(
        &self,
        key: &RecordKey,
        field: &str,
        allowed: &[String],
        changes: &Map<String, Value>,
    ) -> Result<Guarded<R>> {
        let guard = Condition::OneOf(field.to_owned(), allowed.to_vec());
        self.update_when(key, &guard, changes).await
    }

    /// Apply `changes` (top-level attributes) only if the record exists
    /// and `guard` holds: one conditional write. Absent record: `NotFound`.
    async fn update_when(
        &self,
        key: &RecordKey,
        guard: &Condition,
        changes: &Map<String, Value>,
    ) -> Result<Guarded<R>>;

    /// Remove the record (no error if absent).
    async fn delete(&self, key: &RecordKey) -> Result<()>;
}
