//! IAM policy documents built from typed statements; `*` action on `*` resource is refused.

use serde::Serialize;
use serde_json::{json, Value};

/// One statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Value>,
    pub action: Vec<String>,
    pub resource: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
}

/// A policy that would grant everything on everything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "statement {index} allows action '*' on resource '*'; name the actions and resources it needs"
)]
pub struct WildcardPolicy {
    pub index: usize,
}

/// Builds a policy document statement by statement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyBuilder {
    statements: Vec<Statement>,
}

impl PolicyBuilder {
    /// An empty policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allow `actions` on `resources`.
    pub fn allow(mut self, actions: &[&str], resources: &[impl AsRef<str>]) -> Self {
        self.statements.push(Statement {
            sid: None,
            effect: "Allow",
            principal: None,
            action: actions.iter().map(|a| (*a).to_owned()).collect(),
            resource: resources.iter().map(|r| r.as_ref().to_owned()).collect(),
            condition: None,
        });
        self
    }

    /// Allow a service principal (`cloudtrail.amazonaws.com`) `actions` on `resources` (a resource policy).
    pub fn allow_service(
        mut self,
        sid: &str,
        service: &str,
        actions: &[&str],
        resources: &[impl AsRef<str>],
        condition: Option<Value>,
    ) -> Self {
        self.statements.push(Statement {
            sid: Some(sid.to_owned()),
            effect: "Allow",
            principal: Some(json!({"Service": service})),
            action: actions.iter().map(|a| (*a).to_owned()).collect(),
            resource: resources.iter().map(|r| r.as_ref().to_owned()).collect(),
            condition,
        });
        self
    }

    /// Deny requests that do not use TLS (for bucket policies).
    pub fn deny_insecure_transport(mut self, resources: &[impl AsRef<str>]) -> Self {
        self.statements.push(Statement {
            sid: Some("DenyInsecureTransport".into()),
            effect: "Deny",
            principal: Some(json!("*")),
            action: vec!["s3:*".into()],
            resource: resources.iter().map(|r| r.as_ref().to_owned()).collect(),
            condition: Some(json!({"Bool": {"aws:SecureTransport": "false"}})),
        });
        self
    }

    /// The policy document as JSON text.
    pub fn build(&self) -> Result<String, WildcardPolicy> {
        if let Some(index) = self.statements.iter().position(|s| {
            s.effect == "Allow"
                && s.action.iter().any(|a| a == "*")
                && s.resource.iter().any(|r| r == "*")
        }) {
            return Err(WildcardPolicy { index });
        }
        Ok(json!({"Version": "2012-10-17", "Statement": self.statements}).to_string())
    }
}

/// The trust policy letting `service` assume a role.
pub fn assume_role(service: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_least_privilege_documents() {
        let policy = PolicyBuilder::new()
            .allow(
                &["dynamodb:GetItem", "dynamodb:UpdateItem"],
                &["arn:aws:dynamodb:eu-central-1:1:table/t"],
            )
            .build()
            .expect("valid");
        let doc: Value = serde_json::from_str(&policy).expect("json");
        assert_eq!(
            doc["Statement"][0],
            json!({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"], "Resource": ["arn:aws:dynamodb:eu-central-1:1:table/t"]})
        );
        let bucket = PolicyBuilder::new()
            .deny_insecure_transport(&["arn:aws:s3:::b", "arn:aws:s3:::b/*"])
            .build()
            .expect("valid");
        assert!(bucket.contains("aws:SecureTransport"));
        assert!(assume_role("vpc-flow-logs.amazonaws.com").contains("sts:AssumeRole"));
    }

    #[test]
    fn refuses_star_on_star() {
        let err = PolicyBuilder::new()
            .allow(&["s3:GetObject"], &["*"])
            .allow(&["*"], &["*"])
            .build()
            .expect_err("wildcard");
        assert_eq!(err, WildcardPolicy { index: 1 });
        assert!(
            PolicyBuilder::new()
                .allow(&["*"], &["arn:aws:s3:::b"])
                .build()
                .is_ok(),
            "* on one resource is a choice, not a hole"
        );
    }
}
