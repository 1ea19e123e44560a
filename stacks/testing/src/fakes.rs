//! Realistic fake values for the outputs a provider would compute, from the schema subset.

use serde_json::{json, Map, Value};

/// The account in fake ARNs (a mock has no account).
pub const FAKE_ACCOUNT: &str = "123456789012";

/// The outputs of a resource: its inputs, plus a fake for every required output the inputs do not give.
pub fn outputs(
    schema: &Value,
    token: &str,
    name: &str,
    region: &str,
    inputs: &Map<String, Value>,
) -> Map<String, Value> {
    let mut outputs = inputs.clone();
    let resource = &schema["resources"][token];
    for property in resource["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !outputs.contains_key(property) {
            let ty = &resource["properties"][property];
            outputs.insert(
                property.to_owned(),
                fake(schema, ty, token, name, property, region, 0),
            );
        }
    }
    outputs
}

/// A fake id for a resource: `<kind-prefix>-<hex>` derived from its name.
pub fn fake_id(token: &str, name: &str) -> String {
    let class = token.rsplit(':').next().unwrap_or("res").to_lowercase();
    let prefix: String = class.chars().take(4).collect();
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{prefix}-{:012x}", hash & 0xffff_ffff_ffff)
}

fn fake(
    schema: &Value,
    ty: &Value,
    token: &str,
    name: &str,
    property: &str,
    region: &str,
    depth: usize,
) -> Value {
    if let Some(reference) = ty["$ref"].as_str().and_then(|r| r.strip_prefix("#/types/")) {
        let definition = &schema["types"][reference];
        let mut object = Map::new();
        if depth < 4 {
            for field in definition["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                object.insert(
                    field.to_owned(),
                    fake(
                        schema,
                        &definition["properties"][field],
                        token,
                        name,
                        field,
                        region,
                        depth + 1,
                    ),
                );
            }
        }
        return Value::Object(object);
    }
    match ty["type"].as_str() {
        Some("string") => Value::String(fake_string(token, name, property, region)),
        Some("number" | "integer") => json!(0),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") => json!({}),
        _ => Value::String(String::new()),
    }
}

fn fake_string(token: &str, name: &str, property: &str, region: &str) -> String {
    let service = token
        .split(':')
        .nth(1)
        .and_then(|m| m.split('/').next())
        .unwrap_or("aws");
    let lower = property.to_lowercase();
    if lower.ends_with("arn") {
        fake_arn(service, token, name, region)
    } else if lower == "repositoryurl" {
        format!("{FAKE_ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}")
    } else if lower.ends_with("url") || lower.ends_with("endpoint") {
        format!("https://{name}.{service}.{region}.amazonaws.com")
    } else if lower.ends_with("id") {
        fake_id(token, name)
    } else if lower == "name" || lower.ends_with("name") {
        name.to_owned()
    } else {
        format!("{name}-{property}")
    }
}

/// Whether `arn` is the fake ARN the mock engine gives `resource` (how the graph links one resource to another
/// by ARN).
pub fn is_arn_of(arn: &str, resource: &crate::Planned) -> bool {
    let region = arn.split(':').nth(3).unwrap_or_default();
    arn == arn_of(resource, region)
}

/// The fake ARN the mock engine gives `resource` in `region`.
pub fn arn_of(resource: &crate::Planned, region: &str) -> String {
    let service = resource
        .type_
        .split(':')
        .nth(1)
        .and_then(|m| m.split('/').next())
        .unwrap_or("aws");
    fake_arn(service, &resource.type_, &resource.name, region)
}

/// An ARN in the shape the service uses: IAM is global, S3 has neither region nor account, SQS and SNS name
/// the resource without a type.
fn fake_arn(service: &str, token: &str, name: &str, region: &str) -> String {
    let class = token
        .rsplit(':')
        .next()
        .unwrap_or("resource")
        .to_lowercase();
    match service {
        "iam" => format!("arn:aws:iam::{FAKE_ACCOUNT}:{class}/{name}"),
        "s3" => format!("arn:aws:s3:::{name}"),
        "sqs" | "sns" => format!("arn:aws:{service}:{region}:{FAKE_ACCOUNT}:{name}"),
        _ => format!("arn:aws:{service}:{region}:{FAKE_ACCOUNT}:{class}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        json!({
            "resources": {"aws:sqs/queue:Queue": {
                "required": ["arn", "url", "name", "policy"],
                "properties": {"arn": {"type": "string"}, "url": {"type": "string"}, "name": {"type": "string"}, "policy": {"$ref": "#/types/aws:sqs/P:P"}}
            }},
            "types": {"aws:sqs/P:P": {"required": ["count"], "properties": {"count": {"type": "number"}}}}
        })
    }

    #[test]
    fn fills_required_outputs_with_realistic_fakes_and_keeps_inputs() {
        let inputs = Map::from_iter([("name".to_owned(), json!("tradai-backtest-dev.fifo"))]);
        let out = outputs(
            &schema(),
            "aws:sqs/queue:Queue",
            "backtest",
            "eu-central-1",
            &inputs,
        );
        assert_eq!(out["name"], "tradai-backtest-dev.fifo", "inputs win");
        assert_eq!(out["arn"], "arn:aws:sqs:eu-central-1:123456789012:backtest");
        assert_eq!(
            out["url"],
            "https://backtest.sqs.eu-central-1.amazonaws.com"
        );
        assert_eq!(out["policy"], json!({"count": 0}));
        assert_eq!(
            fake_id("aws:ec2/vpc:Vpc", "main"),
            fake_id("aws:ec2/vpc:Vpc", "main")
        );
        assert!(fake_id("aws:ec2/vpc:Vpc", "main").starts_with("vpc-"));
    }

    #[test]
    fn arns_and_registry_urls_have_the_services_shapes() {
        assert_eq!(
            fake_arn("iam", "aws:iam/role:Role", "r", "eu-central-1"),
            "arn:aws:iam::123456789012:role/r"
        );
        assert_eq!(
            fake_arn("s3", "aws:s3/bucket:Bucket", "b", "eu-central-1"),
            "arn:aws:s3:::b"
        );
        assert_eq!(
            fake_string(
                "aws:ecr/repository:Repository",
                "tradai/dev/backend",
                "repositoryUrl",
                "eu-central-1"
            ),
            "123456789012.dkr.ecr.eu-central-1.amazonaws.com/tradai/dev/backend"
        );
    }
}
