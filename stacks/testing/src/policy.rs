//! Policy checks over a planned graph (DESIGN §7): buckets encrypted and private; tables encrypted, PITR on
//! state tables; no IAM statement allowing `*` on `*`; every taggable resource tagged; log groups with
//! retention; instances requiring IMDSv2; no security group open to 0.0.0.0/0 except the ALB on 80/443.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::fakes::fake_id;
use crate::Planned;

/// Tags every taggable resource carries.
pub const REQUIRED_TAGS: [&str; 4] = ["Project", "Environment", "Stack", "Component"];

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub rule: &'static str,
    pub stack: String,
    pub resource: String,
    pub detail: String,
}

fn of_type<'a>(graph: &'a [Planned], token: &'a str) -> impl Iterator<Item = &'a Planned> + 'a {
    graph.iter().filter(move |r| r.type_ == token)
}

/// Every violation in `graph`; `schema` tells which resource types take tags.
pub fn check(graph: &[Planned], schema: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut violation = |rule: &'static str, r: &Planned, detail: String| {
        out.push(Violation {
            rule,
            stack: r.stack.clone(),
            resource: r.name.clone(),
            detail,
        })
    };

    // Buckets: an SSE configuration and a full public-access block per bucket.
    for bucket in of_type(graph, "aws:s3/bucket:Bucket") {
        let name = bucket.inputs["bucket"].as_str().unwrap_or_default();
        let encrypted = of_type(graph, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").any(|c| c.inputs["bucket"] == name);
        if !encrypted {
            violation(
                "bucket-encrypted",
                bucket,
                "no server-side encryption configuration".into(),
            );
        }
        let private = of_type(
            graph,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        )
        .any(|b| {
            b.inputs["bucket"] == name
                && [
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                ]
                .iter()
                .all(|k| b.inputs[*k] == Value::Bool(true))
        });
        if !private {
            violation(
                "bucket-private",
                bucket,
                "public access is not fully blocked".into(),
            );
        }
    }
    // Tables: encrypted; PITR on every table that holds state.
    for table in of_type(graph, "aws:dynamodb/table:Table") {
        if table.inputs["serverSideEncryption"]["enabled"] != Value::Bool(true) {
            violation(
                "table-encrypted",
                table,
                "server-side encryption is off".into(),
            );
        }
        let state = table.name.contains("-state-");
        if state && table.inputs["pointInTimeRecovery"]["enabled"] != Value::Bool(true) {
            violation(
                "table-pitr",
                table,
                "a state table without point-in-time recovery".into(),
            );
        }
    }
    // IAM: no Allow of * on *, in any policy document of any resource.
    for resource in graph {
        for field in ["policy", "assumeRolePolicy"] {
            let Some(document) = resource.inputs[field]
                .as_str()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
            else {
                continue;
            };
            let statements = document["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let as_list = |v: &Value| match v {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Value::String(s) => vec![s.clone()],
                _ => vec![],
            };
            for statement in &statements {
                if statement["Effect"] == "Allow"
                    && as_list(&statement["Action"]).iter().any(|a| a == "*")
                    && as_list(&statement["Resource"]).iter().any(|r| r == "*")
                {
                    violation("iam-no-star", resource, format!("{field} allows * on *"));
                }
            }
        }
    }
    // Tags on every resource whose type takes them.
    for resource in graph {
        let taggable = schema["resources"][&resource.type_]["inputProperties"]
            .get("tags")
            .is_some();
        let missing: Vec<&str> = REQUIRED_TAGS
            .iter()
            .copied()
            .filter(|t| {
                !resource.inputs["tags"]
                    .get(*t)
                    .is_some_and(Value::is_string)
            })
            .collect();
        let is_group = resource.type_ == "aws:autoscaling/group:Group";
        if taggable && !is_group && !missing.is_empty() {
            violation(
                "tagged",
                resource,
                format!("missing tags {}", missing.join(", ")),
            );
        }
    }
    // Log groups keep logs for a bounded time; instances require IMDSv2.
    for group in of_type(graph, "aws:cloudwatch/logGroup:LogGroup") {
        if !group.inputs["retentionInDays"].is_number() {
            violation("log-retention", group, "no retention".into());
        }
    }
    for template in of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate") {
        if template.inputs["metadataOptions"]["httpTokens"] != "required" {
            violation("imdsv2", template, "IMDSv1 allowed".into());
        }
    }
    // Security groups: 0.0.0.0/0 ingress only to the ALB on 80/443.
    let group_names: BTreeMap<String, &str> = of_type(graph, "aws:ec2/securityGroup:SecurityGroup")
        .map(|g| (fake_id(&g.type_, &g.name), g.name.as_str()))
        .collect();
    for rule in of_type(
        graph,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ) {
        if rule.inputs["cidrIpv4"] != "0.0.0.0/0" {
            continue;
        }
        let group = rule.inputs["securityGroupId"]
            .as_str()
            .and_then(|id| group_names.get(id))
            .copied()
            .unwrap_or("?");
        let web = [80.0, 443.0].iter().any(|p| {
            rule.inputs["fromPort"].as_f64() == Some(*p)
                && rule.inputs["toPort"].as_f64() == Some(*p)
        });
        if !(group.contains("-alb-sg-") && web) {
            violation(
                "no-open-ingress",
                rule,
                format!("{group} open to 0.0.0.0/0"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn planned(type_: &str, name: &str, inputs: Value) -> Planned {
        Planned {
            stack: "persistent-dev".into(),
            type_: type_.into(),
            name: name.into(),
            inputs,
        }
    }

    #[test]
    fn flags_each_broken_rule() {
        let schema =
            json!({"resources": {"aws:s3/bucket:Bucket": {"inputProperties": {"tags": {}}}}});
        let graph = vec![
            planned(
                "aws:s3/bucket:Bucket",
                "b",
                json!({"bucket": "b", "tags": {"Project": "tradai"}}),
            ),
            planned(
                "aws:dynamodb/table:Table",
                "tradai-x-state-dev",
                json!({"serverSideEncryption": {"enabled": false}, "pointInTimeRecovery": {"enabled": false}}),
            ),
            planned(
                "aws:iam/rolePolicy:RolePolicy",
                "p",
                json!({"policy": r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":["*"]}]}"#}),
            ),
            planned(
                "aws:cloudwatch/logGroup:LogGroup",
                "g",
                json!({"retentionInDays": null}),
            ),
            planned(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "t",
                json!({"metadataOptions": {"httpTokens": "optional"}}),
            ),
            planned(
                "aws:ec2/securityGroup:SecurityGroup",
                "tradai-rds-sg-dev",
                json!({}),
            ),
            planned(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "r",
                json!({"cidrIpv4": "0.0.0.0/0", "securityGroupId": fake_id("aws:ec2/securityGroup:SecurityGroup", "tradai-rds-sg-dev"), "fromPort": 5432.0, "toPort": 5432.0}),
            ),
        ];
        let rules: Vec<&str> = check(&graph, &schema).iter().map(|v| v.rule).collect();
        assert_eq!(
            rules,
            [
                "bucket-encrypted",
                "bucket-private",
                "table-encrypted",
                "table-pitr",
                "iam-no-star",
                "tagged",
                "log-retention",
                "imdsv2",
                "no-open-ingress"
            ]
        );
    }
}
