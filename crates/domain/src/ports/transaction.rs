//! The transaction port: records of several tables created in one atomic write (a DynamoDB
//! `TransactWriteItems`; the memory twin locks the tables involved). Used where two records must appear
//! together or not at all: an idempotency claim and the job it names.

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::entities::Record;
use crate::{DomainError, Result};

/// A record to create: the config key of its table and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    /// `tables.<table>` of the canonical config.
    pub table: &'static str,
    pub item: Map<String, Value>,
}

impl NewRecord {
    /// `record` in its table.
    pub fn of<R: Record>(record: &R) -> Result<NewRecord> {
        match serde_json::to_value(record) {
            Ok(Value::Object(item)) => Ok(NewRecord {
                table: R::TABLE,
                item,
            }),
            _ => Err(DomainError::Configuration(format!(
                "records of {} must serialise to objects",
                R::TABLE
            ))),
        }
    }
}

/// Outcome of [`Transactor::create_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Every record was written.
    All,
    /// Nothing was written: the records at these positions have keys a live record holds.
    Taken(Vec<usize>),
}

/// Atomic writes across tables.
#[async_trait]
pub trait Transactor: Send + Sync {
    /// Create every record, each only if no live record (TTL honoured) holds its key: all or none. `token`
    /// identifies the request, so a retry of one whose answer was lost is the same request (DynamoDB's
    /// `ClientRequestToken`, 1 to 36 characters); callers still read back on `Taken`, since an emulator may not
    /// honour it.
    async fn create_all(&self, records: &[NewRecord], token: &str) -> Result<Created>;
}
