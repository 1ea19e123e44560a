//! Objects in one S3 bucket of the canonical config.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use tradai_config::Config;
use tradai_domain::ports::{ObjectStore, StoredObject};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, ExternalKind, Result};

use crate::error::domain_error;

/// One bucket.
#[derive(Debug)]
pub struct S3ObjectStore {
    client: Client,
    bucket: String,
    policy: Arc<ResiliencePolicy>,
}

impl S3ObjectStore {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::OBJECT_STORE];

    /// The bucket the config names for `buckets.<key>`.
    pub fn new(
        client: Client,
        config: &Config,
        key: &str,
        policy: Arc<ResiliencePolicy>,
    ) -> Result<Self> {
        if !config.settings().buckets.contains_key(key) {
            return Err(DomainError::Configuration(format!(
                "the config has no bucket '{key}'"
            )));
        }
        Ok(S3ObjectStore {
            client,
            bucket: config.names().bucket(key).to_string(),
            policy,
        })
    }
}

#[async_trait]
impl ObjectStore for S3ObjectStore {
    async fn put(&self, key: &str, object: StoredObject) -> Result<()> {
        let metadata: HashMap<String, String> = object.metadata.clone().into_iter().collect();
        self.policy
            .protect(|| async {
                self.client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .body(ByteStream::from(object.body.clone()))
                    .content_type(&object.content_type)
                    .set_metadata(Some(metadata.clone()))
                    .send()
                    .await
                    .map_err(|e| domain_error("s3", e))
            })
            .await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<StoredObject> {
        let output = self
            .policy
            .protect(|| async {
                match self
                    .client
                    .get_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .send()
                    .await
                {
                    Ok(output) => Ok(Some(output)),
                    Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                        Ok(None)
                    }
                    Err(err) => Err(domain_error("s3", err)),
                }
            })
            .await?
            .ok_or_else(|| {
                DomainError::not_found("object", format!("s3://{}/{key}", self.bucket))
            })?;
        let content_type = output
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let metadata: BTreeMap<String, String> = output
            .metadata()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let body =
            output.body.collect().await.map_err(|e| {
                DomainError::external("s3", ExternalKind::Unavailable, e.to_string())
            })?;
        Ok(StoredObject {
            body: body.into_bytes().to_vec(),
            content_type,
            metadata,
        })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = self
                .policy
                .protect(|| async {
                    let request = self
                        .client
                        .list_objects_v2()
                        .bucket(&self.bucket)
                        .prefix(prefix)
                        .set_continuation_token(token.clone());
                    request.send().await.map_err(|e| domain_error("s3", e))
                })
                .await?;
            keys.extend(
                output
                    .contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            token = output.next_continuation_token().map(str::to_owned);
            if token.is_none() {
                keys.sort();
                return Ok(keys);
            }
        }
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.policy
            .protect(|| async {
                self.client
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| domain_error("s3", e))
            })
            .await?;
        Ok(())
    }
}
