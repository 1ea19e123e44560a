//! A bucket in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tradai_domain::ports::{ObjectStore, StoredObject};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// Objects by key.
#[derive(Debug, Default)]
pub struct MemoryObjectStore {
    objects: Mutex<BTreeMap<String, StoredObject>>,
}

impl MemoryObjectStore {
    /// An empty bucket.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl ObjectStore for MemoryObjectStore {
    async fn put(&self, key: &str, object: StoredObject) -> Result<()> {
        if key.is_empty() {
            return Err(DomainError::validation(
                "key",
                "object keys must not be empty",
            ));
        }
        lock(&self.objects).insert(key.to_owned(), object);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<StoredObject> {
        lock(&self.objects)
            .get(key)
            .cloned()
            .ok_or_else(|| DomainError::not_found("object", key))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(lock(&self.objects)
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        lock(&self.objects).remove(key);
        Ok(())
    }
}
