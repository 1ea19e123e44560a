//! A distributed Map's S3 tasks in the twin: `s3:getObject` (its item reader) and `s3:putObject` (its result
//! writer) on the emulator's bucket, each held to the state machine's role.

use std::sync::Arc;

use serde_json::{json, Value};
use tradai_aws::S3ObjectStore;
use tradai_domain::ports::{ObjectStore, StoredObject};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_workflows::local::TaskFailure;

use super::calls::Need;
use super::workflows::TwinIntegrations;

impl TwinIntegrations {
    /// The bucket and key a task names, once the role may call `action` on them.
    fn object(&self, parameters: &Value, action: &str) -> Result<(S3ObjectStore, String), TaskFailure> {
        let bucket = parameters["Bucket"].as_str().unwrap_or_default().to_owned();
        let key = parameters["Key"].as_str().unwrap_or_default().to_owned();
        let need = Need {
            action: format!("s3:{action}"),
            resource: format!("arn:aws:s3:::{bucket}/{key}"),
        };
        self.hold("s3", action, vec![need], "S3.AccessDeniedException")?;
        let store = S3ObjectStore::named(
            self.plane.clients.s3.clone(),
            bucket,
            Arc::new(ResiliencePolicy::aws("s3")),
        );
        Ok((store, key))
    }

    /// `s3:getObject` of a JSON object, parsed.
    pub(super) async fn get_object(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let (store, key) = self.object(parameters, "GetObject")?;
        let object = store.get(&key).await.map_err(|e| TaskFailure {
            error: "S3.NoSuchKey".into(),
            cause: e.to_string(),
        })?;
        serde_json::from_slice(&object.body).map_err(|e| TaskFailure {
            error: "States.ItemReaderFailed".into(),
            cause: format!("{key} is not JSON: {e}"),
        })
    }

    /// `s3:putObject` of `Body` as JSON.
    pub(super) async fn put_object(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let (store, key) = self.object(parameters, "PutObject")?;
        let object = StoredObject {
            body: parameters["Body"].to_string().into_bytes(),
            content_type: "application/json".into(),
            metadata: Default::default(),
        };
        store.put(&key, object).await.map_err(|e| TaskFailure {
            error: "S3.ServiceException".into(),
            cause: e.to_string(),
        })?;
        Ok(json!({}))
    }
}
