//! Policy checks over a planned graph (DESIGN §7): buckets encrypted and private; tables encrypted, PITR on
//! state tables; no IAM statement allowing `*` on `*`; every taggable resource tagged; log groups with
//! retention; instances requiring IMDSv2; no security group open to 0.0.0.0/0 except the ALB on 80/443;
//! databases private and encrypted; every queue that is not itself a dead-letter queue redrives to one.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::fakes::fake_id;
use crate::plan::of_type;
use crate::Planned;

/// Tags every taggable resource carries.
pub const REQUIRED_TAGS: [&str; 4] = ["Project", "Environment", "Stack", "Component"];

/// How to repair a violation of `rule`.
pub fn fix(rule: &str) -> &'static str {
    match rule {
        "bucket-encrypted" => {
            "add a BucketServerSideEncryptionConfiguration (SSE-S3 or KMS) for the bucket"
        }
        "bucket-private" => "add a BucketPublicAccessBlock with all four settings true",
        "table-encrypted" => "set serverSideEncryption.enabled = true on the table",
        "table-pitr" => "set pointInTimeRecovery.enabled = true (tables.<key>.pitr in the config)",
        "iam-no-star" => {
            "name the actions and resources the role needs (kit::PolicyBuilder refuses * on *)"
        }
        "tagged" => "pass tradai_stack_kit::tags(config, layer, component) as the resource's tags",
        "log-retention" => "set retentionInDays from logging.retention_days",
        "imdsv2" => "set metadataOptions.httpTokens = \"required\" on the launch template",
        "rds-private" => {
            "set publiclyAccessible = false and place the instance in the database subnets"
        }
        "rds-encrypted" => "set storageEncrypted = true",
        "sqs-dlq" => {
            "give the queue a dead_letter section in the config (redrive after 3 receives)"
        }
        "no-open-ingress" => {
            "allow the peer group instead of 0.0.0.0/0 (only the ALB takes 80/443 from anywhere)"
        }
        other => crate::semantics::fix(other).unwrap_or("see DESIGN.md section 7"),
    }
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub rule: &'static str,
    pub stack: String,
    pub resource: String,
    pub detail: String,
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
    // Databases: not publicly accessible, storage encrypted.
    for database in of_type(graph, "aws:rds/instance:Instance") {
        if database.inputs["publiclyAccessible"] == Value::Bool(true) {
            violation("rds-private", database, "publicly accessible".into());
        }
        if database.inputs["storageEncrypted"] != Value::Bool(true) {
            violation("rds-encrypted", database, "storage is not encrypted".into());
        }
    }
    // Queues: each has a redrive policy, unless it is the dead-letter queue of another.
    let queues: Vec<&Planned> = of_type(graph, "aws:sqs/queue:Queue").collect();
    let redrive_targets: Vec<String> = queues
        .iter()
        .filter_map(|q| q.inputs["redrivePolicy"].as_str())
        .filter_map(|p| serde_json::from_str::<Value>(p).ok())
        .filter_map(|p| p["deadLetterTargetArn"].as_str().map(str::to_owned))
        .collect();
    for queue in &queues {
        let name = queue.inputs["name"].as_str().unwrap_or(&queue.name);
        let is_dead_letter = redrive_targets
            .iter()
            .any(|arn| arn.rsplit(':').next() == Some(name));
        if !is_dead_letter && !queue.inputs["redrivePolicy"].is_string() {
            violation(
                "sqs-dlq",
                queue,
                "no dead-letter queue (redrive policy)".into(),
            );
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
    fn a_dead_letter_queue_needs_no_redrive_of_its_own() {
        let graph = vec![
            planned(
                "aws:sqs/queue:Queue",
                "tradai-backtest-dlq-dev.fifo",
                json!({"name": "tradai-backtest-dlq-dev.fifo"}),
            ),
            planned(
                "aws:sqs/queue:Queue",
                "tradai-backtest-dev.fifo",
                json!({"name": "tradai-backtest-dev.fifo", "redrivePolicy": r#"{"deadLetterTargetArn":"arn:aws:sqs:eu-central-1:123456789012:tradai-backtest-dlq-dev.fifo","maxReceiveCount":3}"#}),
            ),
        ];
        assert_eq!(check(&graph, &json!({})), vec![]);
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
            planned(
                "aws:rds/instance:Instance",
                "db",
                json!({"publiclyAccessible": true, "storageEncrypted": false}),
            ),
            planned(
                "aws:sqs/queue:Queue",
                "tradai-orphan-dev",
                json!({"name": "tradai-orphan-dev"}),
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
                "rds-private",
                "rds-encrypted",
                "sqs-dlq",
                "no-open-ingress"
            ]
        );
    }
}
