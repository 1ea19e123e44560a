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

/// Objects in one bucket.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Write an object (replacing any at `key`).
    async fn put(&self, key: &str, object: StoredObject) -> Result<()>;
    /// Read an object; `NotFound` if absent.
    async fn get(&self, key: &str) -> Result<StoredObject>;
    /// Keys under `prefix`, in key order.
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;
    /// Remove an object (no error if absent).
    async fn delete(&self, key: &str) -> Result<()>;
}
