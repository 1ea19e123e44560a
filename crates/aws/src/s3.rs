//! Objects in one S3 bucket of the canonical config.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use tradai_config::Config;
use tradai_domain::ports::{Expected, ObjectStore, StoredObject};
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
        Ok(Self::named(
            client,
            config.names().bucket(key).to_string(),
            policy,
        ))
    }

    /// The bucket called `bucket` (a workflow's task names its bucket).
    pub fn named(client: Client, bucket: String, policy: Arc<ResiliencePolicy>) -> Self {
        S3ObjectStore {
            client,
            bucket,
            policy,
        }
    }
}

impl S3ObjectStore {
    /// `PutObject`, conditional on `expected` (`If-None-Match: *` or `If-Match: <ETag>`) when given; `false`
    /// when S3 refuses the condition (412, or 409 for a conditional write racing another).
    async fn put_object(
        &self,
        key: &str,
        object: &StoredObject,
        expected: Option<&Expected>,
    ) -> Result<bool> {
        let metadata: HashMap<String, String> = object.metadata.clone().into_iter().collect();
        self.policy
            .protect(|| async {
                let mut request = self
                    .client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .body(ByteStream::from(object.body.clone()))
                    .content_type(&object.content_type)
                    .set_metadata(Some(metadata.clone()));
                request = match expected {
                    Some(Expected::Absent) => request.if_none_match("*"),
                    Some(Expected::Version(etag)) => request.if_match(etag),
                    None => request,
                };
                match request.send().await {
                    Ok(_) => Ok(true),
                    Err(err) if expected.is_some() && refused_condition(&err) => Ok(false),
                    Err(err) => Err(domain_error("s3", err)),
                }
            })
            .await
    }
}

/// Whether S3 refused a conditional write's condition: 412 `PreconditionFailed`, 409
/// `ConditionalRequestConflict`, or (`If-Match` on a key deleted meanwhile) `NoSuchKey`.
fn refused_condition<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    let status = err.raw_response().map(|r| r.status().as_u16());
    matches!(status, Some(412 | 409))
        || err
            .as_service_error()
            .and_then(|e| e.code())
            .is_some_and(|c| {
                matches!(
                    c,
                    "PreconditionFailed" | "ConditionalRequestConflict" | "NoSuchKey"
                )
            })
}

#[async_trait]
impl ObjectStore for S3ObjectStore {
    async fn put(&self, key: &str, object: StoredObject) -> Result<()> {
        self.put_object(key, &object, None).await.map(|_| ())
    }

    async fn get(&self, key: &str) -> Result<StoredObject> {
        self.get_versioned(key)
            .await?
            .map(|(object, _)| object)
            .ok_or_else(|| DomainError::not_found("object", format!("s3://{}/{key}", self.bucket)))
    }

    async fn get_versioned(&self, key: &str) -> Result<Option<(StoredObject, String)>> {
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
            .await?;
        let Some(output) = output else {
            return Ok(None);
        };
        let version = output.e_tag().unwrap_or_default().to_owned();
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
        let object = StoredObject {
            body: body.into_bytes().to_vec(),
            content_type,
            metadata,
        };
        Ok(Some((object, version)))
    }

    async fn put_if(&self, key: &str, object: StoredObject, expected: &Expected) -> Result<bool> {
        self.put_object(key, &object, Some(expected)).await
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
