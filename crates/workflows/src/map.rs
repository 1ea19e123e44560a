//! The distributed Map state (decision H4): items read from a JSON array in S3, an item processor (a state
//! machine of its own, each item a child execution) run up to `MaxConcurrency` at a time, a tolerated share of
//! failed items, and the children's results written to S3.

use serde_json::{json, Map, Value};

use crate::asl::{Catch, StateMachine, Transition};

/// The ItemReader's resource: a JSON array in an S3 object.
pub const S3_GET_OBJECT: &str = "arn:aws:states:::s3:getObject";
/// The ResultWriter's resource.
pub const S3_PUT_OBJECT: &str = "arn:aws:states:::s3:putObject";

/// A distributed Map state.
#[derive(Debug, Clone, PartialEq)]
pub struct MapState {
    /// The ItemReader's `Parameters`: `Bucket` and `Key` (either may be a `.$` path).
    pub reader: Value,
    /// Each child's input, resolved against the state's input and `$$.Map.Item.{Index,Value}`; `None`: the
    /// item itself.
    pub item_selector: Option<Value>,
    /// What runs for each item (a STANDARD child execution).
    pub processor: StateMachine,
    /// Children running at once (0: as many as Step Functions allows).
    pub max_concurrency: u32,
    /// The share of children that may fail before the state fails, in percent.
    pub tolerated_failure_percentage: u32,
    /// The ResultWriter's `Parameters`: `Bucket` and `Prefix`.
    pub writer: Value,
    pub result_path: Option<String>,
    pub catch: Vec<Catch>,
    pub transition: Transition,
}

impl MapState {
    /// The state's ASL object, without its transition (the caller adds `Next` or `End`) and catches.
    pub(crate) fn to_json(&self, out: &mut Map<String, Value>) {
        out.insert("Type".into(), json!("Map"));
        out.insert(
            "ItemReader".into(),
            json!({
                "Resource": S3_GET_OBJECT,
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": self.reader,
            }),
        );
        if let Some(selector) = &self.item_selector {
            out.insert("ItemSelector".into(), selector.clone());
        }
        let mut processor = self.processor.to_json();
        if let Some(object) = processor.as_object_mut() {
            object.remove("Comment");
            object.insert(
                "ProcessorConfig".into(),
                json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}),
            );
        }
        out.insert("ItemProcessor".into(), processor);
        out.insert("MaxConcurrency".into(), json!(self.max_concurrency));
        // A float: LocalStack's ASL grammar (moto's too) refuses an integer here; Step Functions takes either.
        out.insert(
            "ToleratedFailurePercentage".into(),
            json!(f64::from(self.tolerated_failure_percentage)),
        );
        out.insert(
            "ResultWriter".into(),
            json!({"Resource": S3_PUT_OBJECT, "Parameters": self.writer}),
        );
        if let Some(path) = &self.result_path {
            out.insert("ResultPath".into(), json!(path));
        }
    }
}
