//! Lambda environment values: literals, or `${kind:key}` references to resources of this config.

use std::fmt;

/// Upstream stack outputs a Lambda may read at deploy time through `${deploy:<output>}`.
pub const DEPLOY_OUTPUTS: [&str; 6] = [
    "private-subnet-ids",
    "ecs-security-group-id",
    "lambda-security-group-id",
    "private-route-table-id",
    "nat-lifecycle-hook-name",
    "m2m-client-id",
];

/// A parsed Lambda environment value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// Used as written.
    Literal(String),
    /// Name of `tables.<key>`.
    Table(String),
    /// Name of `buckets.<key>`.
    Bucket(String),
    /// URL of `queues.<key>` (known at deploy time).
    QueueUrl(String),
    /// ARN of `topics.<key>` (known at deploy time).
    TopicArn(String),
    /// ARN of `workflows.<key>` (known at deploy time).
    WorkflowArn(String),
    /// Cloud Map URL of `services.<key>`.
    ServiceUrl(String),
    /// ECS task family of `services.<key>`.
    TaskFamily(String),
    /// The ECS cluster name.
    Cluster,
    /// The Cloud Map namespace.
    Namespace,
    /// The environment name.
    Environment,
    /// An upstream stack output, one of [`DEPLOY_OUTPUTS`].
    Deploy(String),
    /// ARN of the secret `tradai/<env>/<name>` (known at deploy time).
    Secret(String),
}

/// What a reference may look like, for messages.
pub const ENV_VALUE_ALLOWED: &str = "a literal, or one of ${table:<key>}, ${bucket:<key>}, ${queue-url:<key>}, \
     ${topic-arn:<key>}, ${workflow-arn:<key>}, ${service-url:<key>}, ${task-family:<key>}, ${cluster}, \
     ${namespace}, ${env}, ${deploy:<output>}, ${secret:<name>}";

impl EnvValue {
    /// Parse a value; a string containing `${` must be exactly one reference.
    pub fn parse(text: &str) -> Result<EnvValue, String> {
        if !text.contains("${") {
            return Ok(EnvValue::Literal(text.to_owned()));
        }
        let inner = text
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
            .filter(|inner| !inner.contains(['$', '{', '}']))
            .ok_or_else(|| {
                "a reference must be the whole value, e.g. \"${table:workflow-state}\"".to_owned()
            })?;
        let (kind, key) = match inner.split_once(':') {
            Some((kind, key)) if !key.is_empty() => (kind, Some(key.to_owned())),
            Some((kind, _)) => return Err(format!("reference '{kind}' needs a key after ':'")),
            None => (inner, None),
        };
        let value = match (kind, key) {
            ("table", Some(k)) => EnvValue::Table(k),
            ("bucket", Some(k)) => EnvValue::Bucket(k),
            ("queue-url", Some(k)) => EnvValue::QueueUrl(k),
            ("topic-arn", Some(k)) => EnvValue::TopicArn(k),
            ("workflow-arn", Some(k)) => EnvValue::WorkflowArn(k),
            ("service-url", Some(k)) => EnvValue::ServiceUrl(k),
            ("task-family", Some(k)) => EnvValue::TaskFamily(k),
            ("deploy", Some(k)) => EnvValue::Deploy(k),
            ("secret", Some(k)) => EnvValue::Secret(k),
            ("cluster", None) => EnvValue::Cluster,
            ("namespace", None) => EnvValue::Namespace,
            ("env", None) => EnvValue::Environment,
            (kind, Some(_)) if matches!(kind, "cluster" | "namespace" | "env") => {
                return Err(format!("reference '{kind}' takes no key"))
            }
            (kind, None) if !matches!(kind, "cluster" | "namespace" | "env") && is_known(kind) => {
                return Err(format!(
                    "reference '{kind}' needs a key, e.g. ${{{kind}:<key>}}"
                ))
            }
            (kind, _) => return Err(format!("unknown reference kind '{kind}'")),
        };
        Ok(value)
    }

    /// Whether the value is only known once the stacks have run (URLs, ARNs, stack outputs).
    pub fn is_deploy_time(&self) -> bool {
        matches!(
            self,
            EnvValue::QueueUrl(_)
                | EnvValue::TopicArn(_)
                | EnvValue::WorkflowArn(_)
                | EnvValue::Deploy(_)
                | EnvValue::Secret(_)
        )
    }
}

fn is_known(kind: &str) -> bool {
    matches!(
        kind,
        "table"
            | "bucket"
            | "queue-url"
            | "topic-arn"
            | "workflow-arn"
            | "service-url"
            | "task-family"
            | "deploy"
            | "secret"
    )
}

impl fmt::Display for EnvValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, key) = match self {
            EnvValue::Literal(text) => return f.write_str(text),
            EnvValue::Table(k) => ("table", k),
            EnvValue::Bucket(k) => ("bucket", k),
            EnvValue::QueueUrl(k) => ("queue-url", k),
            EnvValue::TopicArn(k) => ("topic-arn", k),
            EnvValue::WorkflowArn(k) => ("workflow-arn", k),
            EnvValue::ServiceUrl(k) => ("service-url", k),
            EnvValue::TaskFamily(k) => ("task-family", k),
            EnvValue::Deploy(k) => ("deploy", k),
            EnvValue::Secret(k) => ("secret", k),
            EnvValue::Cluster => return f.write_str("${cluster}"),
            EnvValue::Namespace => return f.write_str("${namespace}"),
            EnvValue::Environment => return f.write_str("${env}"),
        };
        write!(f, "${{{kind}:{key}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_and_every_reference_kind_round_trip() {
        for text in [
            "plain",
            "",
            "${table:workflow-state}",
            "${bucket:results}",
            "${queue-url:backtest}",
            "${topic-arn:alerts}",
            "${workflow-arn:backtest}",
            "${service-url:mlflow}",
            "${task-family:strategy-container}",
            "${deploy:private-subnet-ids}",
            "${secret:pulumi-passphrase}",
            "${cluster}",
            "${namespace}",
            "${env}",
        ] {
            let value = EnvValue::parse(text).expect("valid value");
            assert_eq!(value.to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed_references_with_the_reason() {
        assert_eq!(
            EnvValue::parse("${tabel:x}").unwrap_err(),
            "unknown reference kind 'tabel'"
        );
        assert_eq!(
            EnvValue::parse("${table}").unwrap_err(),
            "reference 'table' needs a key, e.g. ${table:<key>}"
        );
        assert_eq!(
            EnvValue::parse("${table:}").unwrap_err(),
            "reference 'table' needs a key after ':'"
        );
        assert_eq!(
            EnvValue::parse("${cluster:x}").unwrap_err(),
            "reference 'cluster' takes no key"
        );
        assert!(EnvValue::parse("s3://${bucket:results}")
            .unwrap_err()
            .starts_with("a reference must be the whole value"));
    }

    #[test]
    fn deploy_time_values_are_the_ones_only_stacks_know() {
        assert!(EnvValue::parse("${topic-arn:alerts}")
            .expect("valid")
            .is_deploy_time());
        assert!(!EnvValue::parse("${table:x}")
            .expect("valid")
            .is_deploy_time());
    }
}
