//! The object-store port (S3 buckets of results and configs).

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::Result;

/// An object with its content type and user metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub body: Vec<u8>,
    pub content_type: String,
    pub metadata: BTreeMap<String, String>,
}

/// What a conditional write expects to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// No object at the key.
    Absent,
    /// The object of this version (the version [`ObjectStore::get_versioned`] gave).
    Version(String),
}

/// Objects in one bucket.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Write an object (replacing any at `key`).
    async fn put(&self, key: &str, object: StoredObject) -> Result<()>;
    /// Read an object; `NotFound` if absent.
    async fn get(&self, key: &str) -> Result<StoredObject>;
    /// Read an object with its version (S3's ETag); `None` if absent.
    async fn get_versioned(&self, key: &str) -> Result<Option<(StoredObject, String)>>;
    /// Write an object only if what is stored at `key` is still `expected`; `false` (nothing written) when
    /// another writer changed it first. A read-modify-write that retries on `false` loses no other writer's
    /// change.
    async fn put_if(&self, key: &str, object: StoredObject, expected: &Expected) -> Result<bool>;
    /// Keys under `prefix`, in key order.
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;
    /// Remove an object (no error if absent).
    async fn delete(&self, key: &str) -> Result<()>;
}
