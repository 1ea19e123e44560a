//! What one AWS API request asks of IAM: who signed it (the access key of its SigV4 credential scope, which the
//! twin sets to the process's planned role name), its service and operation, and the actions IAM evaluates on
//! which resource ARNs (decision W47). Pure: the twin's AWS front classifies each request before it reaches
//! the emulator, and holds the caller's role to the planned policies.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use tradai_stack_testing::FAKE_ACCOUNT;

/// How the service speaks, which decides how a denial is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    /// `X-Amz-Target` and a JSON body (DynamoDB, SQS, Secrets Manager, ECS, Step Functions, Logs, …).
    Json,
    /// A form body with `Action=` (SNS, STS), answered in XML.
    Query,
    /// S3's REST XML.
    RestXml,
    /// Lambda's REST JSON.
    RestJson,
    /// Smithy RPC v2 CBOR (CloudWatch).
    Cbor,
}

/// One action on one resource, as IAM evaluates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    pub action: String,
    pub resource: String,
}

/// A classified request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The access key of the signature (the twin's processes sign with their role's name).
    pub principal: String,
    /// The IAM service prefix (`dynamodb`, `cloudwatch`).
    pub service: String,
    pub operation: String,
    pub protocol: Protocol,
    /// Empty for the operations IAM does not authorize (STS `GetCallerIdentity`).
    pub needs: Vec<Need>,
    /// Whether the twin knows which resources the operation acts on; an unknown one is let through and
    /// reported.
    pub classified: bool,
}

/// What a request names that only the planned graph can turn into the ARN IAM sees.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// A secret's name or real ARN → its planned ARN.
    pub secrets: BTreeMap<String, String>,
    /// A task definition family → the role ARNs it passes (task role, execution role).
    pub task_roles: BTreeMap<String, Vec<String>>,
    /// Real id → planned id (the Cognito pool's), so ARNs read as the policies name them.
    pub planned: Vec<(String, String)>,
}

impl Names {
    fn planned(&self, arn: String) -> String {
        self.planned
            .iter()
            .fold(arn, |arn, (real, planned)| arn.replace(real, planned))
    }
}

/// The parts of an HTTP request the classification reads.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    /// Header names lowercase.
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub body: &'a [u8],
}

/// The SigV4 credential scope of `authorization`: access key, region and signing name.
fn credential(authorization: &str) -> Option<(String, String, String)> {
    let scope = authorization.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [key, _date, region, service, "aws4_request"] => {
            Some(((*key).to_owned(), (*region).to_owned(), (*service).to_owned()))
        }
        _ => None,
    }
}

fn decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn form(text: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(text).into_owned().collect()
}

fn need(action: String, resource: String) -> Need {
    Need { action, resource }
}

/// Where the resources of a region and account live.
struct At<'a> {
    region: &'a str,
    names: &'a Names,
}

impl At<'_> {
    fn arn(&self, service: &str, rest: &str) -> String {
        format!("arn:aws:{service}:{}:{FAKE_ACCOUNT}:{rest}", self.region)
    }

    fn table(&self, name: &str) -> String {
        if name.starts_with("arn:") {
            return name.to_owned();
        }
        self.arn("dynamodb", &format!("table/{name}"))
    }

    /// A queue's ARN from its URL (`…/<account>/<name>`) or name.
    fn queue(&self, url_or_name: &str) -> String {
        let mut parts = url_or_name.rsplit('/');
        let name = parts.next().unwrap_or_default();
        self.arn("sqs", name)
    }

    fn secret(&self, id: &str) -> String {
        if let Some(planned) = self.names.secrets.get(id) {
            return planned.clone();
        }
        if id.starts_with("arn:") {
            return self.names.planned(id.to_owned());
        }
        self.arn("secretsmanager", &format!("secret:{id}"))
    }

    /// A task definition's ARN from its family, `family:revision` or ARN.
    fn task_definition(&self, reference: &str) -> (String, String) {
        let rest = reference
            .split_once(":task-definition/")
            .map_or(reference, |(_, r)| r);
        let (family, revision) = rest.split_once(':').unwrap_or((rest, "1"));
        (
            family.to_owned(),
            self.arn("ecs", &format!("task-definition/{family}:{revision}")),
        )
    }

    fn task(&self, cluster: &str, task: &str) -> String {
        if task.starts_with("arn:") {
            return task.to_owned();
        }
        let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
        self.arn("ecs", &format!("task/{cluster}/{task}"))
    }
}

fn text<'v>(body: &'v Value, field: &str) -> Option<&'v str> {
    body.get(field).and_then(Value::as_str)
}

fn dynamodb(op: &str, body: &Value, at: &At<'_>) -> Option<Vec<Need>> {
    let action = |op: &str| format!("dynamodb:{op}");
    let tables = |field: &str| -> Vec<String> {
        body[field]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    Some(match op {
        "ListTables" => vec![need(action(op), "*".into())],
        "BatchWriteItem" | "BatchGetItem" => tables("RequestItems")
            .iter()
            .map(|t| need(action(op), at.table(t)))
            .collect(),
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()?
            .iter()
            .filter_map(|item| {
                let (kind, inner) = item.as_object()?.iter().next()?;
                let single = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    "Get" => "GetItem",
                    _ => return None,
                };
                Some(need(action(single), at.table(text(inner, "TableName")?)))
            })
            .collect(),
        _ => {
            let table = at.table(text(body, "TableName")?);
            let resource = match text(body, "IndexName") {
                Some(index) => format!("{table}/index/{index}"),
                None => table,
            };
            vec![need(action(op), resource)]
        }
    })
}

fn ecs(op: &str, body: &Value, at: &At<'_>) -> Option<Vec<Need>> {
    let action = |op: &str| format!("ecs:{op}");
    let cluster = text(body, "cluster").unwrap_or("default");
    Some(match op {
        "RunTask" | "StartTask" => {
            let (family, definition) = at.task_definition(text(body, "taskDefinition")?);
            let mut needs = vec![need(action(op), definition)];
            if body["tags"].as_array().is_some_and(|t| !t.is_empty()) {
                needs.push(need(action("TagResource"), at.task(cluster, "new-task")));
            }
            for role in at.names.task_roles.get(&family).into_iter().flatten() {
                needs.push(need("iam:PassRole".into(), role.clone()));
            }
            needs
        }
        "DescribeTasks" => body["tasks"]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(|t| need(action(op), at.task(cluster, t)))
            .collect(),
        "StopTask" => vec![need(action(op), at.task(cluster, text(body, "task")?))],
        "TagResource" | "UntagResource" | "ListTagsForResource" => {
            vec![need(action(op), text(body, "resourceArn")?.to_owned())]
        }
        "ListTasks" | "DescribeTaskDefinition" | "ListClusters" | "DescribeClusters" => {
            vec![need(action(op), "*".into())]
        }
        _ => return None,
    })
}

fn states(op: &str, body: &Value) -> Option<Vec<Need>> {
    let resource = ["stateMachineArn", "executionArn"]
        .iter()
        .find_map(|f| text(body, f))
        .map(str::to_owned);
    let resource = match (op, resource) {
        ("ListStateMachines", _) => "*".to_owned(),
        (_, Some(arn)) => arn,
        _ => return None,
    };
    Some(vec![need(format!("states:{op}"), resource)])
}

fn logs(op: &str, body: &Value, at: &At<'_>) -> Option<Vec<Need>> {
    let group = text(body, "logGroupName")?;
    let rest = match text(body, "logStreamName") {
        Some(stream) => format!("log-group:{group}:log-stream:{stream}"),
        None => format!("log-group:{group}"),
    };
    Some(vec![need(format!("logs:{op}"), at.arn("logs", &rest))])
}

/// The needs of a JSON-protocol operation.
fn json(service: &str, op: &str, body: &Value, at: &At<'_>) -> Option<Vec<Need>> {
    let one = |resource: String| Some(vec![need(format!("{service}:{op}"), resource)]);
    match service {
        "dynamodb" => dynamodb(op, body, at),
        "ecs" => ecs(op, body, at),
        "states" => states(op, body),
        "logs" => logs(op, body, at),
        "sqs" => match op {
            "ListQueues" => one("*".into()),
            "GetQueueUrl" | "CreateQueue" => one(at.queue(text(body, "QueueName")?)),
            _ => one(at.queue(text(body, "QueueUrl")?)),
        },
        "secretsmanager" => match op {
            "ListSecrets" => one("*".into()),
            _ => one(at.secret(text(body, "SecretId")?)),
        },
        "cognito-idp" => match text(body, "UserPoolId") {
            Some(pool) => one(at.names.planned(at.arn("cognito-idp", &format!("userpool/{pool}")))),
            // Client-side flows (InitiateAuth, SignUp) are not IAM-authorized.
            None => Some(Vec::new()),
        },
        "events" => Some(
            body["Entries"]
                .as_array()?
                .iter()
                .map(|e| {
                    let bus = text(e, "EventBusName").unwrap_or("default");
                    need(format!("events:{op}"), at.arn("events", &format!("event-bus/{bus}")))
                })
                .collect(),
        ),
        "cloudwatch" => one("*".into()),
        "lambda" => {
            let function = text(body, "FunctionName")?;
            one(if function.starts_with("arn:") {
                function.to_owned()
            } else {
                at.arn("lambda", &format!("function:{function}"))
            })
        }
        _ => None,
    }
}

/// What IAM evaluates for `operation` of `service` (its IAM prefix) with the API-form `body`, in `region`:
/// the calls a workflow's tasks make with the state machine's role.
pub fn needs(service: &str, operation: &str, body: &Value, region: &str, names: &Names) -> Option<Vec<Need>> {
    json(service, operation, body, &At { region, names })
}

/// The needs of a query-protocol operation.
fn query(service: &str, op: &str, params: &BTreeMap<String, String>, at: &At<'_>) -> Option<Vec<Need>> {
    let one = |resource: String| Some(vec![need(format!("{service}:{op}"), resource)]);
    match (service, op) {
        ("sts", "GetCallerIdentity") => Some(Vec::new()),
        ("sns", _) => one(params.get("TopicArn")?.clone()),
        ("sqs", _) => one(at.queue(params.get("QueueUrl")?)),
        ("cloudwatch", _) => one("*".into()),
        _ => None,
    }
}

/// S3's REST operations, path-style (`/<bucket>/<key>`), as IAM names them.
fn s3(request: &Request<'_>) -> Option<(String, Vec<Need>)> {
    let path = request.path.trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let params = form(request.query.as_bytes());
    let has = |p: &str| params.contains_key(p);
    let bucket = decode(bucket);
    let key = decode(key);
    let object = format!("arn:aws:s3:::{bucket}/{key}");
    let whole = format!("arn:aws:s3:::{bucket}");
    let (op, action, resource) = match (request.method, bucket.is_empty(), key.is_empty()) {
        (_, true, _) => ("ListBuckets", "ListAllMyBuckets", "*".to_owned()),
        ("GET", _, true) if has("location") => ("GetBucketLocation", "GetBucketLocation", whole),
        ("GET", _, true) if has("versions") => ("ListObjectVersions", "ListBucketVersions", whole),
        ("GET" | "HEAD", _, true) => ("ListObjectsV2", "ListBucket", whole),
        ("PUT", _, true) => ("CreateBucket", "CreateBucket", whole),
        ("DELETE", _, true) => ("DeleteBucket", "DeleteBucket", whole),
        ("POST", _, true) if has("delete") => {
            ("DeleteObjects", "DeleteObject", format!("{whole}/*"))
        }
        ("GET" | "HEAD", _, false) => ("GetObject", "GetObject", object),
        ("PUT" | "POST", _, false) => ("PutObject", "PutObject", object),
        ("DELETE", _, false) if has("uploadId") => {
            ("AbortMultipartUpload", "AbortMultipartUpload", object)
        }
        ("DELETE", _, false) => ("DeleteObject", "DeleteObject", object),
        _ => return None,
    };
    let mut needs = vec![need(format!("s3:{action}"), resource)];
    if let Some(source) = (request.header)("x-amz-copy-source") {
        let source = decode(source.trim_start_matches('/'));
        let source = source.split('?').next().unwrap_or_default();
        needs.push(need("s3:GetObject".into(), format!("arn:aws:s3:::{source}")));
    }
    Some((op.to_owned(), needs))
}

/// Lambda's REST operations (`/2015-03-31/functions/<name>/invocations`).
fn lambda(request: &Request<'_>, at: &At<'_>) -> Option<(String, Vec<Need>)> {
    let rest = request.path.strip_prefix("/2015-03-31/functions/")?;
    let (function, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let function = decode(function);
    let arn = if function.starts_with("arn:") {
        function
    } else {
        at.arn("lambda", &format!("function:{function}"))
    };
    let (op, action) = match (request.method, tail) {
        ("POST", "invocations") => ("Invoke", "InvokeFunction"),
        ("GET", "") => ("GetFunction", "GetFunction"),
        ("GET", "configuration") => ("GetFunctionConfiguration", "GetFunctionConfiguration"),
        _ => return None,
    };
    Some((op.to_owned(), vec![need(format!("lambda:{action}"), arn)]))
}

/// The IAM prefix of a SigV4 signing name.
fn prefix(signing_name: &str) -> &str {
    match signing_name {
        "monitoring" => "cloudwatch",
        other => other,
    }
}

/// The call `request` makes, when it is signed; `None` for an unsigned request (a JWKS fetch, a token
/// request), which IAM does not see.
pub fn classify(request: &Request<'_>, names: &Names) -> Option<Call> {
    let (principal, region, signing) = credential(&(request.header)("authorization")?)?;
    let service = prefix(&signing).to_owned();
    let at = At {
        region: &region,
        names,
    };
    let target = (request.header)("x-amz-target");
    let content = (request.header)("content-type").unwrap_or_default();
    let cbor = (request.header)("smithy-protocol").is_some_and(|p| p == "rpc-v2-cbor");
    let (operation, protocol, needs) = if let Some(target) = target {
        let op = target.rsplit('.').next().unwrap_or_default().to_owned();
        let body: Value = serde_json::from_slice(request.body).unwrap_or(Value::Null);
        let needs = json(&service, &op, &body, &at);
        (op, Protocol::Json, needs)
    } else if cbor {
        let op = request.path.rsplit('/').next().unwrap_or_default().to_owned();
        let needs = json(&service, &op, &Value::Null, &at);
        (op, Protocol::Cbor, needs)
    } else if content.starts_with("application/x-www-form-urlencoded") {
        let params = form(request.body);
        let op = params.get("Action").cloned().unwrap_or_default();
        let needs = query(&service, &op, &params, &at);
        (op, Protocol::Query, needs)
    } else if service == "s3" {
        let (op, needs) = s3(request).unzip();
        (op.unwrap_or_default(), Protocol::RestXml, needs)
    } else if service == "lambda" {
        let (op, needs) = lambda(request, &at).unzip();
        (op.unwrap_or_default(), Protocol::RestJson, needs)
    } else {
        (String::new(), Protocol::Json, None)
    };
    let classified = needs.is_some();
    let needs = needs.unwrap_or_else(|| {
        vec![need(format!("{service}:{operation}"), "*".into())]
    });
    Some(Call {
        principal,
        service,
        operation,
        protocol,
        needs,
        classified,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn call(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Option<Call> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let headers: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let header = move |name: &str| headers.get(name).cloned();
        let names = Names {
            secrets: BTreeMap::from([(
                "tradai-m2m-dev".into(),
                "arn:aws:secretsmanager:eu-central-1:123456789012:secret:planned".into(),
            )]),
            task_roles: BTreeMap::from([(
                "tradai-strategy-dev".into(),
                vec!["arn:aws:iam::123456789012:role/task".into()],
            )]),
            planned: vec![("eu-central-1_REAL".into(), "planned-pool".into())],
        };
        classify(
            &Request {
                method,
                path,
                query,
                header: &header,
                body: body.as_bytes(),
            },
            &names,
        )
    }

    fn signed(service: &str) -> String {
        format!("AWS4-HMAC-SHA256 Credential=tradai-fn-role/20261130/eu-central-1/{service}/aws4_request, SignedHeaders=host, Signature=0")
    }

    fn needs(c: &Call) -> Vec<(String, String)> {
        c.needs
            .iter()
            .map(|n| (n.action.clone(), n.resource.clone()))
            .collect()
    }

    #[test]
    fn json_operations_name_their_resources() {
        let auth = signed("dynamodb");
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("x-amz-target", "DynamoDB_20120810.Query")],
            r#"{"TableName":"jobs","IndexName":"by-status"}"#,
        )
        .expect("signed");
        assert_eq!(c.principal, "tradai-fn-role");
        assert!(c.classified);
        assert_eq!(
            needs(&c),
            vec![(
                "dynamodb:Query".into(),
                "arn:aws:dynamodb:eu-central-1:123456789012:table/jobs/index/by-status".into()
            )]
        );
        let body = json!({"TransactItems": [{"Put": {"TableName": "a"}}, {"ConditionCheck": {"TableName": "b"}}]});
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("x-amz-target", "DynamoDB_20120810.TransactWriteItems")],
            &body.to_string(),
        )
        .expect("signed");
        assert_eq!(
            needs(&c).into_iter().map(|n| n.0).collect::<Vec<_>>(),
            vec!["dynamodb:PutItem", "dynamodb:ConditionCheckItem"]
        );

        let auth = signed("ecs");
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("x-amz-target", "AmazonEC2ContainerServiceV20141113.RunTask")],
            r#"{"cluster":"c","taskDefinition":"tradai-strategy-dev","tags":[{"key":"a","value":"b"}]}"#,
        )
        .expect("signed");
        assert_eq!(
            needs(&c),
            vec![
                ("ecs:RunTask".into(), "arn:aws:ecs:eu-central-1:123456789012:task-definition/tradai-strategy-dev:1".into()),
                ("ecs:TagResource".into(), "arn:aws:ecs:eu-central-1:123456789012:task/c/new-task".into()),
                ("iam:PassRole".into(), "arn:aws:iam::123456789012:role/task".into()),
            ]
        );

        let auth = signed("secretsmanager");
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("x-amz-target", "secretsmanager.GetSecretValue")],
            r#"{"SecretId":"tradai-m2m-dev"}"#,
        )
        .expect("signed");
        assert_eq!(
            needs(&c)[0].1,
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:planned"
        );
        let auth = signed("sqs");
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("x-amz-target", "AmazonSQS.SendMessage")],
            r#"{"QueueUrl":"http://127.0.0.1:5000/123456789012/tradai-backtest-dev"}"#,
        )
        .expect("signed");
        assert_eq!(
            needs(&c),
            vec![("sqs:SendMessage".into(), "arn:aws:sqs:eu-central-1:123456789012:tradai-backtest-dev".into())]
        );
    }

    #[test]
    fn rest_query_and_unknown_operations() {
        let auth = signed("s3");
        let c = call("GET", "/results/jobs/a%20b.json", &[("authorization", &auth)], "").expect("signed");
        assert_eq!(
            needs(&c),
            vec![("s3:GetObject".into(), "arn:aws:s3:::results/jobs/a b.json".into())]
        );
        let c = call("GET", "/results?list-type=2&prefix=x", &[("authorization", &auth)], "").expect("signed");
        assert_eq!(needs(&c), vec![("s3:ListBucket".into(), "arn:aws:s3:::results".into())]);

        let auth = signed("lambda");
        let c = call("POST", "/2015-03-31/functions/tradai-x-dev/invocations", &[("authorization", &auth)], "{}")
            .expect("signed");
        assert_eq!(
            needs(&c),
            vec![("lambda:InvokeFunction".into(), "arn:aws:lambda:eu-central-1:123456789012:function:tradai-x-dev".into())]
        );

        let auth = signed("sns");
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("content-type", "application/x-www-form-urlencoded")],
            "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aeu-central-1%3A123456789012%3Aalerts&Message=x",
        )
        .expect("signed");
        assert_eq!(c.protocol, Protocol::Query);
        assert_eq!(
            needs(&c),
            vec![("sns:Publish".into(), "arn:aws:sns:eu-central-1:123456789012:alerts".into())]
        );

        let auth = signed("kms");
        let c = call("POST", "/", &[("authorization", &auth), ("x-amz-target", "TrentService.Decrypt")], "{}")
            .expect("signed");
        assert!(!c.classified);
        assert_eq!(needs(&c), vec![("kms:Decrypt".into(), "*".into())]);

        let auth = signed("cognito-idp");
        let c = call(
            "POST",
            "/",
            &[("authorization", &auth), ("x-amz-target", "AWSCognitoIdentityProviderService.AdminGetUser")],
            r#"{"UserPoolId":"eu-central-1_REAL"}"#,
        )
        .expect("signed");
        assert_eq!(
            needs(&c)[0].1,
            "arn:aws:cognito-idp:eu-central-1:123456789012:userpool/planned-pool"
        );

        assert_eq!(call("GET", "/.well-known/jwks.json", &[], ""), None);
    }
}
