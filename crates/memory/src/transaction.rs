//! Transactions over memory tables: every table a transaction touches is locked (in one order, so two
//! transactions cannot deadlock) while its conditions are checked and its records written.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{Created, NewRecord, Transactor};
use tradai_domain::{DomainError, Result};

use crate::records::MemoryTable;

/// Atomic creates across the memory tables it was given.
#[derive(Debug, Clone, Default)]
pub struct MemoryTransactor {
    tables: BTreeMap<String, Arc<dyn MemoryTable>>,
}

impl MemoryTransactor {
    /// A transactor over no table.
    pub fn new() -> Self {
        MemoryTransactor::default()
    }

    /// Let transactions write `table` (known by its layout's config key).
    pub fn include(&mut self, table: Arc<dyn MemoryTable>) {
        self.tables.insert(table.layout().table.clone(), table);
    }
}

#[async_trait]
impl Transactor for MemoryTransactor {
    async fn create_all(&self, records: &[NewRecord], _token: &str) -> Result<Created> {
        // The tables involved, in key order (the map's), each locked once.
        let mut involved = BTreeMap::new();
        for record in records {
            let table = self.tables.get(record.table).ok_or_else(|| {
                DomainError::Configuration(format!(
                    "table {} takes no part in transactions",
                    record.table
                ))
            })?;
            involved.entry(record.table).or_insert(table);
        }
        let mut locked: BTreeMap<&str, _> = involved
            .iter()
            .map(|(name, table)| (*name, (table.layout(), table.items())))
            .collect();
        let now = Timestamp::now().epoch_seconds();
        let mut writes = Vec::with_capacity(records.len());
        let mut taken = Vec::new();
        for (position, record) in records.iter().enumerate() {
            let (layout, items) = &locked[record.table];
            let value = Value::Object(record.item.clone());
            let key = layout.key_of(&value)?;
            if items.get(&key).is_some_and(|v| !layout.is_expired(v, now))
                || writes
                    .iter()
                    .any(|(t, k, _)| *t == record.table && *k == key)
            {
                taken.push(position);
            }
            writes.push((record.table, key, value));
        }
        if !taken.is_empty() {
            return Ok(Created::Taken(taken));
        }
        for (table, key, value) in writes {
            if let Some((_, items)) = locked.get_mut(table) {
                items.insert(key, value);
            }
        }
        Ok(Created::All)
    }
}
