//! Create the data plane of the planned graph on an emulator, with the graph's own inputs: buckets (and their
//! versioning), tables (attributes, keys, indexes and their projections, TTL), queues (every planned
//! attribute; dead-letter queues first, so the planned redrive policies name queues that exist), topics,
//! secrets (without a value, as the persistent layer leaves them), log groups (with retention), state
//! machines (the planned definition and role), ECS clusters and task definitions, and Cognito (pools, resource servers, clients,
//! domains). Nothing comes from the config: what the stacks would create is
//! what the twin creates.

use std::collections::{BTreeMap, HashMap};

use tradai_aws::provision::{
    self as create, IndexShape, Projected, QueueAttributeName, TableShape,
};
use tradai_aws::Clients;
use tradai_config::AttributeType;

use super::cognito::Ids;
use super::graph::{Graph, InputError, Resource};

/// How many resources of each Pulumi type were created (or found, when the emulator had them already).
pub type Provisioned = BTreeMap<&'static str, usize>;

/// What provisioning made: the counts by type, and the real id of each planned one that has an id of its own.
#[derive(Debug, Clone, Default)]
pub struct Created {
    pub counts: Provisioned,
    pub ids: Ids,
}

/// Why provisioning stopped.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{ty} {name}: {source}")]
    Create {
        ty: &'static str,
        name: String,
        source: tradai_domain::DomainError,
    },
    #[error("{ty} {name}: the emulator refused it: {message}")]
    Refused {
        ty: &'static str,
        name: String,
        message: String,
    },
}

const BUCKET: &str = "aws:s3/bucket:Bucket";
const VERSIONING: &str = "aws:s3/bucketVersioning:BucketVersioning";
const TABLE: &str = "aws:dynamodb/table:Table";
const QUEUE: &str = "aws:sqs/queue:Queue";
const TOPIC: &str = "aws:sns/topic:Topic";
const SECRET: &str = "aws:secretsmanager/secret:Secret";
const LOG_GROUP: &str = "aws:cloudwatch/logGroup:LogGroup";
pub const STATE_MACHINE: &str = "aws:sfn/stateMachine:StateMachine";
const CLUSTER: &str = "aws:ecs/cluster:Cluster";
const TASK_DEFINITION: &str = "aws:ecs/taskDefinition:TaskDefinition";

/// The planned task definition `r` registered on the emulator (what `RunTask` names), with its planned inputs
/// (they are the API's fields).
async fn task_definition(
    http: &reqwest::Client,
    clients: &Clients,
    r: Resource<'_>,
    region: &str,
) -> Result<(), ProvisionError> {
    let containers: serde_json::Value = serde_json::from_str(r.text("containerDefinitions")?)
        .map_err(|e| r.error("containerDefinitions", format!("is not JSON: {e}")))?;
    let mut body = serde_json::json!({"containerDefinitions": containers});
    for field in [
        "family",
        "cpu",
        "memory",
        "networkMode",
        "requiresCompatibilities",
        "taskRoleArn",
        "executionRoleArn",
    ] {
        if let Some(value) = r.get(field).filter(|v| !v.is_null()) {
            body[field] = value.clone();
        }
    }
    let endpoint = clients.sdk.endpoint_url().unwrap_or_default();
    super::tasks::ecs(http, endpoint, region, "RegisterTaskDefinition", &body)
        .await
        .map(|_| ())
        .map_err(|(status, answer)| ProvisionError::Refused {
            ty: TASK_DEFINITION,
            name: r.name().to_owned(),
            message: format!("{status} {answer}"),
        })
}

pub(super) fn failed(
    ty: &'static str,
    r: Resource<'_>,
) -> impl FnOnce(tradai_domain::DomainError) -> ProvisionError {
    let name = r.name().to_owned();
    move |source| ProvisionError::Create { ty, name, source }
}

/// Create every data-plane resource of `graph` in `region` through `clients`.
pub async fn provision(
    clients: &Clients,
    graph: &Graph,
    region: &str,
) -> Result<Created, ProvisionError> {
    let mut done = Provisioned::new();
    let mut ids = Ids::new();
    for r in graph.of_type(BUCKET) {
        create::bucket(clients, r.text("bucket")?, region)
            .await
            .map_err(failed(BUCKET, r))?;
        *done.entry(BUCKET).or_default() += 1;
    }
    for r in graph.of_type(VERSIONING) {
        let status = r
            .get("versioningConfiguration")
            .and_then(|c| c.get("status"))
            .and_then(|s| s.as_str());
        if status == Some("Enabled") {
            create::bucket_versioning(clients, r.text("bucket")?)
                .await
                .map_err(failed(VERSIONING, r))?;
        }
        *done.entry(VERSIONING).or_default() += 1;
    }
    for r in graph.of_type(TABLE) {
        create::create_table(clients, &table(r)?)
            .await
            .map_err(failed(TABLE, r))?;
        *done.entry(TABLE).or_default() += 1;
    }
    // Dead-letter queues (no redrive policy of their own) before the queues that name them.
    let mut queues: Vec<Resource<'_>> = graph.of_type(QUEUE).collect();
    queues.sort_by_key(|r| r.get("redrivePolicy").is_some());
    for r in queues {
        create::create_queue(clients, r.text("name")?, queue_attributes(r)?)
            .await
            .map_err(failed(QUEUE, r))?;
        *done.entry(QUEUE).or_default() += 1;
    }
    for r in graph.of_type(TOPIC) {
        create::topic(clients, r.text("name")?)
            .await
            .map_err(failed(TOPIC, r))?;
        *done.entry(TOPIC).or_default() += 1;
    }
    for r in graph.of_type(SECRET) {
        let arn = create::secret(clients, r.text("name")?, r.optional_text("description")?)
            .await
            .map_err(failed(SECRET, r))?;
        ids.insert(tradai_stack_testing::arn_of(r.0, region), arn);
        *done.entry(SECRET).or_default() += 1;
    }
    for r in graph.of_type(LOG_GROUP) {
        let retention = r
            .optional_count("retentionInDays")?
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX));
        create::log_group(clients, r.text("name")?, retention)
            .await
            .map_err(failed(LOG_GROUP, r))?;
        *done.entry(LOG_GROUP).or_default() += 1;
    }
    for r in graph.of_type(STATE_MACHINE) {
        create::state_machine(
            clients,
            r.text("name")?,
            r.text("definition")?,
            r.text("roleArn")?,
            r.optional_text("type")?.unwrap_or("STANDARD"),
        )
        .await
        .map_err(failed(STATE_MACHINE, r))?;
        *done.entry(STATE_MACHINE).or_default() += 1;
    }
    // The cluster the functions list, describe and stop tasks in (the twin runs the tasks themselves).
    for r in graph.of_type(CLUSTER) {
        create::cluster(clients, r.text("name")?)
            .await
            .map_err(failed(CLUSTER, r))?;
        *done.entry(CLUSTER).or_default() += 1;
    }
    super::network::provision(clients, graph, &mut done, &mut ids).await?;
    let http = reqwest::Client::new();
    for r in graph.of_type(TASK_DEFINITION) {
        task_definition(&http, clients, r, region).await?;
        *done.entry(TASK_DEFINITION).or_default() += 1;
    }
    super::cognito::provision(clients, graph, &mut done, &mut ids).await?;
    Ok(Created { counts: done, ids })
}

fn attribute_type(r: Resource<'_>, kind: &str) -> Result<AttributeType, InputError> {
    match kind {
        "S" => Ok(AttributeType::S),
        "N" => Ok(AttributeType::N),
        "B" => Ok(AttributeType::B),
        other => Err(r.error(
            "attributes[].type",
            format!("is {other}: expected S, N or B"),
        )),
    }
}

/// A planned table's shape.
fn table(r: Resource<'_>) -> Result<TableShape<'_>, InputError> {
    let required = |list: &str, item, field: &str| {
        r.nested(list, item, field)?.ok_or_else(|| {
            r.error(
                &format!("{list}[].{field}"),
                "is missing: expected a string",
            )
        })
    };
    let mut attributes = Vec::new();
    for a in r.list("attributes")? {
        let kind = required("attributes", a, "type")?;
        attributes.push((required("attributes", a, "name")?, attribute_type(r, kind)?));
    }
    let mut indexes = Vec::new();
    for gsi in r.list("globalSecondaryIndexes")? {
        let list = "globalSecondaryIndexes";
        let projection = match r.nested(list, gsi, "projectionType")? {
            None | Some("ALL") => Projected::All,
            Some("KEYS_ONLY") => Projected::KeysOnly,
            Some(_) => Projected::Include(
                gsi.get("nonKeyAttributes")
                    .and_then(|v| v.as_array())
                    .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                    .unwrap_or_default(),
            ),
        };
        indexes.push(IndexShape {
            name: required(list, gsi, "name")?,
            partition: required(list, gsi, "hashKey")?,
            sort: r.nested(list, gsi, "rangeKey")?,
            projection,
        });
    }
    let ttl = r
        .get("ttl")
        .filter(|t| t.get("enabled") == Some(&true.into()));
    Ok(TableShape {
        name: r.text("name")?,
        attributes,
        partition: r.text("hashKey")?,
        sort: r.optional_text("rangeKey")?,
        indexes,
        ttl_attribute: ttl
            .map(|t| r.nested("ttl", t, "attributeName"))
            .transpose()?
            .flatten(),
    })
}

/// A planned queue's SQS attributes, named as SQS names them.
fn queue_attributes(r: Resource<'_>) -> Result<HashMap<QueueAttributeName, String>, InputError> {
    let mut attributes = HashMap::new();
    let counts = [
        (
            "visibilityTimeoutSeconds",
            QueueAttributeName::VisibilityTimeout,
        ),
        (
            "messageRetentionSeconds",
            QueueAttributeName::MessageRetentionPeriod,
        ),
        (
            "receiveWaitTimeSeconds",
            QueueAttributeName::ReceiveMessageWaitTimeSeconds,
        ),
        ("delaySeconds", QueueAttributeName::DelaySeconds),
        ("maxMessageSize", QueueAttributeName::MaximumMessageSize),
    ];
    for (field, name) in counts {
        if let Some(n) = r.optional_count(field)? {
            attributes.insert(name, n.to_string());
        }
    }
    if r.optional_flag("fifoQueue")? == Some(true) {
        attributes.insert(QueueAttributeName::FifoQueue, "true".into());
        if let Some(dedup) = r.optional_flag("contentBasedDeduplication")? {
            attributes.insert(
                QueueAttributeName::ContentBasedDeduplication,
                dedup.to_string(),
            );
        }
    }
    if let Some(policy) = r.optional_text("redrivePolicy")? {
        attributes.insert(QueueAttributeName::RedrivePolicy, policy.to_owned());
    }
    Ok(attributes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use super::super::graph::planned;
    use super::*;

    #[test]
    fn a_planned_table_becomes_its_shape() {
        let p = planned(
            TABLE,
            "r",
            json!({"name": "t", "hashKey": "strategy_id", "rangeKey": null,
                "attributes": [{"name": "status", "type": "S"}, {"name": "strategy_id", "type": "S"}],
                "globalSecondaryIndexes": [{"name": "by-status", "hashKey": "status", "rangeKey": null,
                    "projectionType": "INCLUDE", "nonKeyAttributes": ["x"]}],
                "ttl": {"attributeName": "expires_at", "enabled": true}}),
        );
        let shape = table(Resource(&p)).expect("shape");
        assert_eq!(shape.partition, "strategy_id");
        assert_eq!(shape.sort, None);
        assert_eq!(shape.ttl_attribute, Some("expires_at"));
        assert_eq!(shape.indexes[0].projection, Projected::Include(vec!["x"]));
        assert_eq!(shape.attributes[0], ("status", AttributeType::S));

        let bad = planned(
            TABLE,
            "r",
            json!({"name": "t", "hashKey": "k", "attributes": [{"name": "k", "type": "X"}]}),
        );
        let err = table(Resource(&bad)).expect_err("bad type");
        assert_eq!(
            err.to_string(),
            "aws:dynamodb/table:Table r: input `attributes[].type` is X: expected S, N or B"
        );
        let off = planned(
            TABLE,
            "r",
            json!({"name": "t", "hashKey": "k", "ttl": {"attributeName": "e", "enabled": false}}),
        );
        assert_eq!(table(Resource(&off)).expect("shape").ttl_attribute, None);
    }

    #[test]
    fn a_planned_queue_keeps_its_attributes() {
        let p = planned(
            QUEUE,
            "r",
            json!({"name": "q.fifo", "fifoQueue": true, "contentBasedDeduplication": false,
                "visibilityTimeoutSeconds": 180.0, "messageRetentionSeconds": 345600.0,
                "receiveWaitTimeSeconds": 20.0, "delaySeconds": null,
                "redrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-central-1:123456789012:d.fifo\",\"maxReceiveCount\":3}"}),
        );
        let a = queue_attributes(Resource(&p)).expect("attributes");
        assert_eq!(a[&QueueAttributeName::VisibilityTimeout], "180");
        assert_eq!(a[&QueueAttributeName::FifoQueue], "true");
        assert_eq!(a[&QueueAttributeName::ContentBasedDeduplication], "false");
        assert!(a[&QueueAttributeName::RedrivePolicy].contains("\"maxReceiveCount\":3"));
        assert!(!a.contains_key(&QueueAttributeName::DelaySeconds));
    }
}
