//! The distributed Map locally (decision H4): the items read through the `s3:getObject` integration, each run
//! as a child execution of the item processor, at most `MaxConcurrency` at once (in this process: concurrent
//! futures), the tolerated share of failures, and the children's results written through `s3:putObject` as
//! Step Functions' ResultWriter lays them out: `<Prefix>/<map run>/SUCCEEDED_0.json`, `FAILED_0.json` and
//! `manifest.json`.

use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

use super::{resolve, Execution, Interpreter, TaskFailure};
use crate::map::{MapState, S3_GET_OBJECT, S3_PUT_OBJECT};

/// Most items one Map reads (a distributed Map reads millions; locally, a bound on memory).
pub const MAX_ITEMS: usize = 100_000;

fn failure(error: &str, cause: String) -> TaskFailure {
    TaskFailure {
        error: error.into(),
        cause,
    }
}

/// One child's record in the result files.
fn record(index: usize, input: &Value, execution: &Execution) -> Value {
    let mut out = json!({
        "Index": index,
        "Input": input.to_string(),
        "Status": if execution.succeeded { "SUCCEEDED" } else { "FAILED" },
    });
    if execution.succeeded {
        out["Output"] = json!(execution.output.to_string());
    } else if let Some(error) = &execution.error {
        out["Error"] = json!(error.error);
        out["Cause"] = json!(error.cause);
    }
    out
}

impl Interpreter<'_> {
    /// Run `map` on `data` within execution `id`; the state's result (the ResultWriter's details). Boxed:
    /// its children are executions, which may run Maps themselves.
    pub(super) fn map<'a>(
        &'a self,
        map: &'a MapState,
        id: &'a str,
        data: &'a Value,
        context: &'a Value,
    ) -> Pin<Box<dyn Future<Output = Result<Value, TaskFailure>> + Send + 'a>> {
        Box::pin(self.run_map(map, id, data, context))
    }

    async fn run_map(
        &self,
        map: &MapState,
        id: &str,
        data: &Value,
        context: &Value,
    ) -> Result<Value, TaskFailure> {
        let reader = resolve(&map.reader, data, context)?;
        let items = self.integrations.call(S3_GET_OBJECT, reader).await?;
        let Value::Array(items) = items else {
            return Err(failure(
                "States.ItemReaderFailed",
                "the item reader's object is not a JSON array".into(),
            ));
        };
        if items.len() > MAX_ITEMS {
            return Err(failure(
                "States.ItemReaderFailed",
                format!("{} items; at most {MAX_ITEMS}", items.len()),
            ));
        }
        let run = format!("{id}/map");
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let mut context = context.clone();
            context["Map"] = json!({"Item": {"Index": index, "Value": item}});
            inputs.push(match &map.item_selector {
                Some(selector) => resolve(selector, data, &context)?,
                None => context["Map"]["Item"]["Value"].take(),
            });
        }
        let limit = match map.max_concurrency {
            0 => inputs.len().max(1),
            n => n as usize,
        };
        let processor = &map.processor;
        let mut children = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().cloned().enumerate() {
            let (id, name) = (format!("{run}/{index}"), index.to_string());
            children.push(async move { (index, self.run_as(processor, &id, &name, input).await) });
        }
        let mut done: Vec<(usize, Execution)> = stream::iter(children)
            .buffer_unordered(limit)
            .collect()
            .await;
        done.sort_by_key(|(index, _)| *index);
        let (succeeded, failed): (Vec<Value>, Vec<Value>) = {
            let records = done.iter().map(|(index, execution)| {
                (
                    execution.succeeded,
                    record(*index, &inputs[*index], execution),
                )
            });
            let (ok, bad): (Vec<_>, Vec<_>) = records.partition(|(ok, _)| *ok);
            (
                ok.into_iter().map(|(_, r)| r).collect(),
                bad.into_iter().map(|(_, r)| r).collect(),
            )
        };
        let details = self
            .write_results(map, &run, data, context, &succeeded, &failed)
            .await?;
        let total = done.len();
        if failed.len() * 100 > map.tolerated_failure_percentage as usize * total {
            return Err(failure(
                "States.ExceedToleratedFailureThreshold",
                format!(
                    "{} of {total} items failed; {} % tolerated",
                    failed.len(),
                    map.tolerated_failure_percentage
                ),
            ));
        }
        Ok(json!({"MapRunArn": run, "ResultWriterDetails": details}))
    }

    /// The result files and their manifest; the manifest's bucket and key.
    async fn write_results(
        &self,
        map: &MapState,
        run: &str,
        data: &Value,
        context: &Value,
        succeeded: &[Value],
        failed: &[Value],
    ) -> Result<Value, TaskFailure> {
        let writer = resolve(&map.writer, data, context)?;
        let bucket = writer["Bucket"].clone();
        let prefix = writer["Prefix"]
            .as_str()
            .unwrap_or_default()
            .trim_end_matches('/');
        let run_id = run.rsplit(':').next().unwrap_or(run).replace('/', "-");
        let key = |file: &str| format!("{prefix}/{run_id}/{file}");
        let mut files = json!({"SUCCEEDED": [], "FAILED": [], "PENDING": []});
        for (status, file, records) in [
            ("SUCCEEDED", "SUCCEEDED_0.json", succeeded),
            ("FAILED", "FAILED_0.json", failed),
        ] {
            if records.is_empty() {
                continue;
            }
            let body = Value::Array(records.to_vec());
            let size = body.to_string().len();
            self.integrations
                .call(
                    S3_PUT_OBJECT,
                    json!({"Bucket": bucket, "Key": key(file), "Body": body}),
                )
                .await?;
            files[status]
                .as_array_mut()
                .expect("an array")
                .push(json!({"Key": key(file), "Size": size}));
        }
        let manifest = json!({
            "DestinationBucket": bucket,
            "MapRunArn": run,
            "ResultFiles": files,
        });
        self.integrations
            .call(
                S3_PUT_OBJECT,
                json!({"Bucket": bucket, "Key": key("manifest.json"), "Body": manifest}),
            )
            .await?;
        Ok(json!({"Bucket": bucket, "Key": key("manifest.json")}))
    }
}
