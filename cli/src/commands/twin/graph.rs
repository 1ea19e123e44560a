//! The planned graph as the twin reads it: each resource's inputs by field, a missing or mistyped one an error
//! naming the resource, the field and what was expected.

use serde_json::Value;
use tradai_stack_testing::Planned;

/// The planned resources of one environment, all four layers.
#[derive(Debug, Clone)]
pub struct Graph {
    resources: Vec<Planned>,
}

/// A resource input the twin cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ty} {name}: input `{field}` {problem}")]
pub struct InputError {
    pub ty: String,
    pub name: String,
    pub field: String,
    pub problem: String,
}

impl Graph {
    pub fn new(resources: Vec<Planned>) -> Graph {
        Graph { resources }
    }

    /// Every planned resource, in plan order.
    pub fn planned(&self) -> &[Planned] {
        &self.resources
    }

    /// The resources of Pulumi type `ty`, in plan order.
    pub fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = Resource<'a>> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.type_ == ty)
            .map(Resource)
    }
}

/// One planned resource.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a>(pub &'a Planned);

impl<'a> Resource<'a> {
    pub fn name(&self) -> &'a str {
        &self.0.name
    }

    /// A problem with input `field`.
    pub fn error(&self, field: &str, problem: impl Into<String>) -> InputError {
        InputError {
            ty: self.0.type_.clone(),
            name: self.0.name.clone(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    /// The input `field`, absent when missing or null.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.0.inputs.get(field).filter(|v| !v.is_null())
    }

    /// A required string input.
    pub fn text(&self, field: &str) -> Result<&'a str, InputError> {
        self.optional_text(field)?
            .ok_or_else(|| self.error(field, "is missing: expected a string"))
    }

    /// An optional string input.
    pub fn optional_text(&self, field: &str) -> Result<Option<&'a str>, InputError> {
        self.get(field)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| self.error(field, format!("is {v}: expected a string")))
            })
            .transpose()
    }

    /// An optional whole number (the engine's numbers are floats: `180.0`).
    pub fn optional_count(&self, field: &str) -> Result<Option<u64>, InputError> {
        self.get(field)
            .map(|v| {
                v.as_f64()
                    .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64)
                    .map(|n| n as u64)
                    .ok_or_else(|| self.error(field, format!("is {v}: expected a whole number")))
            })
            .transpose()
    }

    /// An optional boolean input.
    pub fn optional_flag(&self, field: &str) -> Result<Option<bool>, InputError> {
        self.get(field)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| self.error(field, format!("is {v}: expected true or false")))
            })
            .transpose()
    }

    /// The id the mock engine gave this resource, which the planned inputs of the resources that reference
    /// it carry (a pool's `userPoolId`, the clients' ids in a task's environment).
    pub fn planned_id(&self) -> String {
        tradai_stack_testing::fake_id(&self.0.type_, &self.0.name)
    }

    /// A list of strings (missing or null is empty).
    pub fn texts(&self, field: &str) -> Result<Vec<&'a str>, InputError> {
        self.list(field)?
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    self.error(&format!("{field}[]"), format!("is {v}: expected a string"))
                })
            })
            .collect()
    }

    /// The whole number `field` of the block `block` (e.g. `passwordPolicy.minimumLength`).
    pub fn block_count(&self, block: &str, field: &str) -> Result<Option<i32>, InputError> {
        match self
            .get(block)
            .and_then(|b| b.get(field))
            .filter(|v| !v.is_null())
        {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|n| n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX))
                .map(|n| Some(n as i32))
                .ok_or_else(|| {
                    self.error(
                        &format!("{block}.{field}"),
                        format!("is {v}: expected a whole number"),
                    )
                }),
        }
    }

    /// The flag `field` of the block `block` (missing is false).
    pub fn block_flag(&self, block: &str, field: &str) -> Result<bool, InputError> {
        match self
            .get(block)
            .and_then(|b| b.get(field))
            .filter(|v| !v.is_null())
        {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| {
                self.error(
                    &format!("{block}.{field}"),
                    format!("is {v}: expected true or false"),
                )
            }),
        }
    }

    /// A list input (missing or null is empty).
    pub fn list(&self, field: &str) -> Result<&'a [Value], InputError> {
        match self.get(field) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(v) => Err(self.error(field, format!("is {v}: expected a list"))),
        }
    }

    /// The input `field` of the object `item` of list `list` (for nested blocks such as a table's indexes).
    pub fn nested(
        &self,
        list: &str,
        item: &'a Value,
        field: &str,
    ) -> Result<Option<&'a str>, InputError> {
        match item.get(field).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.error(
                &format!("{list}[].{field}"),
                format!("is {v}: expected a string"),
            )),
        }
    }
}

/// A planned resource of type `ty` named `name`, for the twin's unit tests.
#[cfg(test)]
pub fn planned(ty: &str, name: &str, inputs: Value) -> Planned {
    Planned {
        stack: "compute-dev".into(),
        type_: ty.into(),
        name: name.into(),
        inputs,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn inputs_are_read_by_field_and_bad_ones_are_named() {
        let p = planned("aws:sqs/queue:Queue", "q", json!({"name": "q", "visibilityTimeoutSeconds": 180.0, "fifoQueue": true,
            "delaySeconds": null, "maxMessageSize": 1.5, "tags": {}}),
        );
        let r = Resource(&p);
        assert_eq!(r.text("name"), Ok("q"));
        assert_eq!(r.optional_count("visibilityTimeoutSeconds"), Ok(Some(180)));
        assert_eq!(r.optional_count("delaySeconds"), Ok(None));
        assert_eq!(r.optional_flag("fifoQueue"), Ok(Some(true)));
        assert_eq!(r.list("attributes"), Ok(&[][..]));
        let err = r.optional_count("maxMessageSize").expect_err("fraction");
        assert_eq!(
            err.to_string(),
            "aws:sqs/queue:Queue q: input `maxMessageSize` is 1.5: expected a whole number"
        );
        assert!(r
            .text("policy")
            .expect_err("missing")
            .to_string()
            .contains("is missing"));
        assert!(r.list("tags").is_err());
    }
}
