//! How a record maps onto its table: key attributes, indexes and TTL, read from the canonical config.

use serde_json::Value;
use tradai_config::TableSpec;

use super::records::RecordKey;
use crate::{DomainError, Result};

/// The partition and sort attributes of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexLayout {
    pub name: String,
    pub partition: String,
    pub sort: Option<String>,
}

/// Key attributes, indexes and TTL attribute of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLayout {
    pub table: String,
    pub partition: String,
    pub sort: Option<String>,
    pub ttl: Option<String>,
    pub indexes: Vec<IndexLayout>,
}

impl TableLayout {
    /// The layout of `tables.<key>` as the config defines it.
    pub fn from_spec(key: &str, spec: &TableSpec) -> Self {
        TableLayout {
            table: key.to_owned(),
            partition: spec.partition_key.name.clone(),
            sort: spec.sort_key.as_ref().map(|k| k.name.clone()),
            ttl: spec.ttl_attribute.clone(),
            indexes: spec
                .gsis
                .iter()
                .map(|g| IndexLayout {
                    name: g.name.clone(),
                    partition: g.partition_key.name.clone(),
                    sort: g.sort_key.as_ref().map(|k| k.name.clone()),
                })
                .collect(),
        }
    }

    /// The key of a serialised record; its key attributes must be present strings.
    pub fn key_of(&self, record: &Value) -> Result<RecordKey> {
        let text = |attr: &str| {
            record
                .get(attr)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    DomainError::Configuration(format!(
                        "records of table {} need a string attribute '{attr}'",
                        self.table
                    ))
                })
        };
        Ok(RecordKey {
            partition: text(&self.partition)?,
            sort: self.sort.as_deref().map(text).transpose()?,
        })
    }

    /// The index called `name`.
    pub fn index(&self, name: &str) -> Result<&IndexLayout> {
        self.indexes.iter().find(|i| i.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.indexes.iter().map(|i| i.name.as_str()).collect();
            DomainError::Configuration(format!(
                "table {} has no index '{name}' (indexes: {})",
                self.table,
                known.join(", ")
            ))
        })
    }

    /// Whether the record's TTL attribute lies at or before `now_epoch` (an expired item DynamoDB may not have
    /// deleted yet).
    pub fn is_expired(&self, record: &Value, now_epoch: i64) -> bool {
        self.ttl
            .as_deref()
            .and_then(|attr| record.get(attr))
            .and_then(Value::as_i64)
            .is_some_and(|ttl| ttl <= now_epoch)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_config::{Environment, Loader};

    use super::*;

    fn layout(table: &str) -> TableLayout {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        TableLayout::from_spec(table, &config.settings().tables[table])
    }

    #[test]
    fn reads_keys_indexes_and_ttl_from_the_config() {
        let jobs = layout("workflow-state");
        assert_eq!(
            jobs.key_of(&json!({"job_id": "j1"})).expect("key"),
            RecordKey::partition("j1")
        );
        assert_eq!(
            jobs.index("trace_id-index").expect("index").partition,
            "trace_id"
        );
        let err = jobs.index("nope").expect_err("unknown");
        assert_eq!(err.to_string(), "configuration error: table workflow-state has no index 'nope' (indexes: status-created_at-index, trace_id-index)");
        let rollbacks = layout("rollback-state");
        let key = rollbacks
            .key_of(&json!({"model_name": "m", "rolled_back_at": "t"}))
            .expect("key");
        assert_eq!(key, RecordKey::with_sort("m", "t"));
        assert!(rollbacks.key_of(&json!({"model_name": "m"})).is_err());
        let notes = layout("notifications");
        assert!(notes.is_expired(&json!({"ttl": 100}), 100));
        assert!(!notes.is_expired(&json!({"ttl": 101}), 100));
    }
}
