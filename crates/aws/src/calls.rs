//! [`CallLog`]: the IAM action of every AWS call made through a set of clients, so the emulator tests can hold
//! each adapter to its declaration in `tradai_config::access` (a call the declaration lacks would be denied in
//! AWS).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The IAM actions called so far (`dynamodb:PutItem`), shared by every client it was given to.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<BTreeSet<String>>>);

impl CallLog {
    /// The actions called since the last `take`.
    pub fn take(&self) -> BTreeSet<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The IAM action of SDK operation `operation` of `service` (the SDK's service id).
pub fn iam_action(service: &str, operation: &str) -> String {
    let prefix = match service {
        "SFN" => "states".to_owned(),
        "CloudWatchLogs" | "CloudWatch Logs" => "logs".to_owned(),
        "Auto Scaling" => "autoscaling".to_owned(),
        other => other.replace(' ', "").to_lowercase(),
    };
    let action = match (prefix.as_str(), operation) {
        ("s3", "ListObjectsV2" | "ListObjects") => "ListBucket",
        ("s3", "HeadObject") => "GetObject",
        // IAM authorises each item of a transaction by its own action; DynamoTransactor writes puts only.
        ("dynamodb", "TransactWriteItems") => "PutItem",
        (_, other) => other,
    };
    format!("{prefix}:{action}")
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "CallLog"
    }

    // Not read_before_execution: a client's interceptors run that hook before the operation's metadata is in
    // the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(iam_action(m.service(), m.name()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_operations_map_to_their_iam_actions() {
        assert_eq!(iam_action("DynamoDB", "PutItem"), "dynamodb:PutItem");
        assert_eq!(iam_action("SFN", "StartExecution"), "states:StartExecution");
        assert_eq!(iam_action("S3", "ListObjectsV2"), "s3:ListBucket");
        assert_eq!(
            iam_action("CloudWatch Logs", "GetLogEvents"),
            "logs:GetLogEvents"
        );
        assert_eq!(
            iam_action("Auto Scaling", "CompleteLifecycleAction"),
            "autoscaling:CompleteLifecycleAction"
        );
        assert_eq!(
            iam_action("Secrets Manager", "GetSecretValue"),
            "secretsmanager:GetSecretValue"
        );
    }
}
