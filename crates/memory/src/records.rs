//! Records of one table in memory, laid out by the table's config (keys, indexes, TTL).

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{Map, Value};
use tradai_domain::entities::{Record, Timestamp};
use tradai_domain::ports::{Condition, Guarded, Order, Page, RecordKey, RecordStore, TableLayout};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// A table in memory.
pub struct MemoryRecordStore<R> {
    layout: TableLayout,
    items: Mutex<BTreeMap<RecordKey, Value>>,
    _record: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for MemoryRecordStore<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryRecordStore")
            .field("table", &self.layout.table)
            .finish_non_exhaustive()
    }
}

impl<R: Record> MemoryRecordStore<R> {
    /// An empty table with the given layout.
    pub fn new(layout: TableLayout) -> Self {
        MemoryRecordStore {
            layout,
            items: Mutex::new(BTreeMap::new()),
            _record: PhantomData,
        }
    }

    fn live(&self, value: &Value) -> bool {
        !self
            .layout
            .is_expired(value, Timestamp::now().epoch_seconds())
    }

    fn decode(value: &Value) -> Result<R> {
        serde_json::from_value(value.clone()).map_err(|err| {
            DomainError::Configuration(format!("stored record does not decode: {err}"))
        })
    }

    fn encode(&self, record: &R) -> Result<(RecordKey, Value)> {
        let value = serde_json::to_value(record)
            .map_err(|err| DomainError::Configuration(format!("record does not encode: {err}")))?;
        Ok((self.layout.key_of(&value)?, value))
    }
}

/// A memory table as the transaction twin sees it: its layout and its items, whatever its record type.
pub trait MemoryTable: Send + Sync + std::fmt::Debug {
    /// Its layout (table key, keys, TTL).
    fn layout(&self) -> &TableLayout;
    /// Its items, locked.
    fn items(&self) -> std::sync::MutexGuard<'_, BTreeMap<RecordKey, Value>>;
}

impl<R: Record> MemoryTable for MemoryRecordStore<R> {
    fn layout(&self) -> &TableLayout {
        &self.layout
    }

    fn items(&self) -> std::sync::MutexGuard<'_, BTreeMap<RecordKey, Value>> {
        lock(&self.items)
    }
}

/// The text of attribute `attr` (for ordering by sort keys).
fn text<'a>(value: &'a Value, attr: Option<&str>) -> &'a str {
    attr.and_then(|a| value.get(a))
        .and_then(Value::as_str)
        .unwrap_or("")
}

#[async_trait]
impl<R: Record> RecordStore<R> for MemoryRecordStore<R> {
    async fn get(&self, key: &RecordKey) -> Result<Option<R>> {
        let items = lock(&self.items);
        items
            .get(key)
            .filter(|v| self.live(v))
            .map(Self::decode)
            .transpose()
    }

    async fn put(&self, record: &R) -> Result<()> {
        let (key, value) = self.encode(record)?;
        lock(&self.items).insert(key, value);
        Ok(())
    }

    async fn put_if_absent(&self, record: &R) -> Result<bool> {
        let (key, value) = self.encode(record)?;
        let mut items = lock(&self.items);
        if items.get(&key).is_some_and(|v| self.live(v)) {
            return Ok(false);
        }
        items.insert(key, value);
        Ok(true)
    }

    async fn query(&self, partition: &str, order: Order, limit: usize) -> Result<Vec<R>> {
        if self.layout.sort.is_none() {
            return Err(DomainError::Configuration(format!(
                "table {} has no sort key to query by",
                self.layout.table
            )));
        }
        let items = lock(&self.items);
        let mut found: Vec<(&RecordKey, &Value)> = items
            .iter()
            .filter(|(k, v)| k.partition == partition && self.live(v))
            .collect();
        if order == Order::NewestFirst {
            found.reverse();
        }
        found
            .into_iter()
            .take(limit)
            .map(|(_, v)| Self::decode(v))
            .collect()
    }

    async fn query_index(
        &self,
        index: &str,
        value: &str,
        order: Order,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<R>> {
        let index = self.layout.index(index)?;
        let items = lock(&self.items);
        // Position of an item in the index: (index sort value, table key); cursors are positions.
        let mut found: Vec<((String, RecordKey), &Value)> = items
            .iter()
            .filter(|(_, v)| {
                v.get(&index.partition).and_then(Value::as_str) == Some(value) && self.live(v)
            })
            .map(|(k, v)| ((text(v, index.sort.as_deref()).to_owned(), k.clone()), v))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        if order == Order::NewestFirst {
            found.reverse();
        }
        let start = match after {
            Some(cursor) => {
                let position: (String, String, Option<String>) = serde_json::from_str(cursor)
                    .map_err(|_| {
                        DomainError::validation(
                            "cursor",
                            "not a cursor returned by a previous page",
                        )
                    })?;
                let position = (
                    position.0,
                    RecordKey {
                        partition: position.1,
                        sort: position.2,
                    },
                );
                found
                    .iter()
                    .position(|(p, _)| *p == position)
                    .map_or(found.len(), |i| i + 1)
            }
            None => 0,
        };
        let page: Vec<_> = found.iter().skip(start).take(limit).collect();
        let next = match (page.last(), start + page.len() < found.len()) {
            (Some(((sort, key), _)), true) => {
                Some(serde_json::json!([sort, key.partition, key.sort]).to_string())
            }
            _ => None,
        };
        Ok(Page {
            items: page
                .into_iter()
                .map(|(_, v)| Self::decode(v))
                .collect::<Result<_>>()?,
            next,
        })
    }

    async fn update_when(
        &self,
        key: &RecordKey,
        guard: &Condition,
        changes: &Map<String, Value>,
    ) -> Result<Guarded<R>> {
        let mut items = lock(&self.items);
        let Some(current) = items
            .get_mut(key)
            .filter(|v| !self.layout.is_expired(v, Timestamp::now().epoch_seconds()))
        else {
            return Err(DomainError::not_found(
                "record",
                format!("{}/{}", self.layout.table, key.partition),
            ));
        };
        let Value::Object(map) = current else {
            return Err(DomainError::Configuration(format!(
                "{}/{} is not a record",
                self.layout.table, key.partition
            )));
        };
        if !guard.holds(map) {
            return Ok(Guarded::Rejected(Self::decode(current)?));
        }
        for (k, v) in changes {
            map.insert(k.clone(), v.clone());
        }
        Ok(Guarded::Applied(Self::decode(current)?))
    }

    async fn delete(&self, key: &RecordKey) -> Result<()> {
        lock(&self.items).remove(key);
        Ok(())
    }
}
