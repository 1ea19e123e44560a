//! A bucket in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tradai_domain::ports::{Expected, ObjectStore, StoredObject};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// Objects by key, each with its version (a counter, as an ETag changes with every write).
#[derive(Debug, Default)]
pub struct MemoryObjectStore {
    objects: Mutex<BTreeMap<String, (StoredObject, u64)>>,
    writes: std::sync::atomic::AtomicU64,
}

impl MemoryObjectStore {
    /// An empty bucket.
    pub fn new() -> Self {
        Self::default()
    }

    fn next_version(&self) -> u64 {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(DomainError::validation(
            "key",
            "object keys must not be empty",
        ));
    }
    Ok(())
}

#[async_trait]
impl ObjectStore for MemoryObjectStore {
    async fn put(&self, key: &str, object: StoredObject) -> Result<()> {
        check_key(key)?;
        let version = self.next_version();
        lock(&self.objects).insert(key.to_owned(), (object, version));
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<StoredObject> {
        lock(&self.objects)
            .get(key)
            .map(|(object, _)| object.clone())
            .ok_or_else(|| DomainError::not_found("object", key))
    }

    async fn get_versioned(&self, key: &str) -> Result<Option<(StoredObject, String)>> {
        Ok(lock(&self.objects)
            .get(key)
            .map(|(object, version)| (object.clone(), version.to_string())))
    }

    async fn put_if(&self, key: &str, object: StoredObject, expected: &Expected) -> Result<bool> {
        check_key(key)?;
        let version = self.next_version();
        let mut objects = lock(&self.objects);
        let current = objects.get(key).map(|(_, v)| v.to_string());
        let holds = match expected {
            Expected::Absent => current.is_none(),
            Expected::Version(v) => current.as_deref() == Some(v.as_str()),
        };
        if holds {
            objects.insert(key.to_owned(), (object, version));
        }
        Ok(holds)
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
