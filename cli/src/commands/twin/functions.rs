//! The planned Lambda functions and their SQS event source mappings, as the twin runs them: each function's
//! name, image, environment, timeout, memory and reserved concurrency; each mapping's queue, function, batch
//! size and response types. Read from the graph only.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::graph::{Graph, InputError, Resource};

const FUNCTION: &str = "aws:lambda/function:Function";
const MAPPING: &str = "aws:lambda/eventSourceMapping:EventSourceMapping";

/// One planned function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// The image's repository key (`lambda-backtest-consumer`).
    pub repository: String,
    pub environment: BTreeMap<String, String>,
    pub timeout: Duration,
    pub memory_mb: u64,
    /// `None`: unreserved (the account's pool).
    pub reserved: Option<u64>,
    pub log_group: String,
    /// The execution role's name: the principal of the function's AWS calls.
    pub role: Option<String>,
    /// Which planned resource it is (for the mappings that name it by the engine's ARN).
    resource: String,
}

/// One planned SQS event source mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub name: String,
    pub queue: String,
    pub queue_arn: String,
    pub function: String,
    pub batch_size: i32,
    pub report_failures: bool,
    pub enabled: bool,
}

impl Function {
    /// Whether `named` (a `FunctionName`: the name, Lambda's ARN `…:function:<name>`, or the mock engine's ARN
    /// of the planned resource) names this function.
    pub fn answers_to(&self, graph: &Graph, named: &str) -> bool {
        named == self.name
            || named.ends_with(&format!(":function:{}", self.name))
            || graph
                .of_type(FUNCTION)
                .any(|p| p.name() == self.resource && tradai_stack_testing::is_arn_of(named, p.0))
    }
}

fn repository(r: Resource<'_>, uri: &str) -> Result<String, InputError> {
    uri.rsplit('/')
        .next()
        .and_then(|last| last.split(':').next())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            r.error(
                "imageUri",
                format!("is {uri:?}: expected <registry>/<path>/<repository>:<tag>"),
            )
        })
}

/// The planned functions, in plan order.
pub fn functions(graph: &Graph) -> Result<Vec<Function>, InputError> {
    let mut out = Vec::new();
    for r in graph.of_type(FUNCTION) {
        let name = r.text("name")?.to_owned();
        let environment = r
            .get("environment")
            .and_then(|e| e.get("variables"))
            .and_then(Value::as_object)
            .map(|vars| {
                vars.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let log_group = r
            .get("loggingConfig")
            .and_then(|l| l.get("logGroup"))
            .and_then(Value::as_str)
            .map_or_else(|| format!("/aws/lambda/{name}"), str::to_owned);
        // -1 (or nothing) is "unreserved".
        let reserved = r
            .get("reservedConcurrentExecutions")
            .and_then(Value::as_f64)
            .filter(|n| *n >= 0.0)
            .map(|n| n as u64);
        out.push(Function {
            repository: repository(r, r.text("imageUri")?)?,
            environment,
            timeout: Duration::from_secs(r.optional_count("timeout")?.unwrap_or(3)),
            memory_mb: r.optional_count("memorySize")?.unwrap_or(128),
            reserved,
            log_group,
            role: r
                .optional_text("role")?
                .map(|arn| tradai_stack_testing::semantics::role_name(arn).to_owned()),
            resource: r.name().to_owned(),
            name,
        });
    }
    Ok(out)
}

/// The planned SQS event source mappings, each naming one of `functions`.
pub fn mappings(graph: &Graph, functions: &[Function]) -> Result<Vec<Mapping>, InputError> {
    let mut out = Vec::new();
    for r in graph.of_type(MAPPING) {
        let source = r.text("eventSourceArn")?;
        if source.split(':').nth(2) != Some("sqs") {
            continue;
        }
        let named = r.text("functionName")?;
        let function = functions
            .iter()
            .find(|f| f.answers_to(graph, named))
            .ok_or_else(|| {
                r.error(
                    "functionName",
                    format!("is {named}: no planned function has that name or ARN"),
                )
            })?;
        let types = r.texts("functionResponseTypes")?;
        out.push(Mapping {
            name: r.name().to_owned(),
            queue: source.rsplit(':').next().unwrap_or_default().to_owned(),
            queue_arn: source.to_owned(),
            function: function.name.clone(),
            batch_size: r.optional_count("batchSize")?.unwrap_or(10).min(10_000) as i32,
            report_failures: types.contains(&"ReportBatchItemFailures"),
            enabled: r.optional_flag("enabled")?.unwrap_or(true),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use super::super::graph::planned;
    use super::*;

    #[test]
    fn functions_and_their_queue_triggers_are_read_as_planned() {
        let graph = Graph::new(vec![
            planned(
                FUNCTION,
                "consumer",
                json!({"name": "tradai-backtest-consumer-dev", "timeout": 30.0,
                "memorySize": 256.0, "reservedConcurrentExecutions": -1.0,
                "imageUri": "1.dkr.ecr.r.amazonaws.com/tradai/dev/lambda-backtest-consumer:latest",
                "environment": {"variables": {"TRADAI_HANDLER": "backtest-consumer"}}}),
            ),
            planned(
                MAPPING,
                "trigger",
                json!({"eventSourceArn": "arn:aws:sqs:eu-central-1:123456789012:q.fifo",
                "functionName": "arn:aws:lambda:eu-central-1:123456789012:function/consumer", "batchSize": 10.0,
                "functionResponseTypes": ["ReportBatchItemFailures"]}),
            ),
            planned(
                MAPPING,
                "stream",
                json!({"eventSourceArn": "arn:aws:kinesis:eu-central-1:1:stream/s",
                "functionName": "x"}),
            ),
        ]);
        let f = functions(&graph).expect("functions");
        assert_eq!(f[0].timeout, Duration::from_secs(30));
        assert_eq!((f[0].reserved, f[0].memory_mb), (None, 256));
        assert_eq!(f[0].repository, "lambda-backtest-consumer");
        assert_eq!(f[0].log_group, "/aws/lambda/tradai-backtest-consumer-dev");
        let m = mappings(&graph, &f).expect("mappings");
        assert_eq!(m.len(), 1, "only SQS sources");
        assert_eq!(
            (m[0].queue.as_str(), m[0].function.as_str()),
            ("q.fifo", "tradai-backtest-consumer-dev")
        );
        assert!(m[0].report_failures && m[0].enabled);

        let orphan = Graph::new(vec![planned(
            MAPPING,
            "t",
            json!({
            "eventSourceArn": "arn:aws:sqs:eu-central-1:1:q", "functionName": "nobody"}),
        )]);
        assert_eq!(
            mappings(&orphan, &[]).expect_err("no function").to_string(),
            "aws:lambda/eventSourceMapping:EventSourceMapping t: input `functionName` is nobody: no planned function has that name or ARN"
        );
    }
}
