//! Integer refinement: TypeScript has one `number` type, the `pulumi_aws` Python package says `int` or `float`.
//! A `number` property whose Python annotation is `_builtins.int` becomes `integer`, as in the provider.

use std::path::Path;

use anyhow::Result;
use serde_json::Value;

/// `visibilityTimeoutSeconds` → `visibility_timeout_seconds`.
pub fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (index, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of `class <name>` (up to the next top-level class) in `text`.
fn class_body<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let header = format!("\nclass {name}");
    let start = text.find(&header).map(|i| i + 1)?;
    let after = &text[start + header.len() - 1..];
    if !after.starts_with(['(', ':']) {
        return None;
    }
    let end = text[start + 1..]
        .find("\nclass ")
        .map_or(text.len(), |i| start + 1 + i);
    Some(&text[start..end])
}

/// Whether `class_text` annotates `property` as an integer (also inside `Sequence[...]` and `Mapping[...]`).
fn annotated_int(class_text: &str, property: &str) -> bool {
    let needle = format!("{}: ", snake_case(property));
    class_text
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with(&needle))
        .any(|line| {
            let annotation = line.split(" = ").next().unwrap_or(line);
            annotation.contains("_builtins.int]") && !annotation.contains("_builtins.float")
        })
}

/// Turn `number` into `integer` in a schema type (also array items and map values).
fn make_integer(ty: &mut Value) -> bool {
    match ty["type"].as_str() {
        Some("number") => {
            ty["type"] = Value::from("integer");
            true
        }
        Some("array") => make_integer(&mut ty["items"]),
        Some("object") => ty.get_mut("additionalProperties").is_some_and(make_integer),
        _ => false,
    }
}

/// Refine the `number` properties of `properties` from the class text; returns how many changed.
fn refine(properties: &mut Value, class_text: &str) -> usize {
    let Some(map) = properties.as_object_mut() else {
        return 0;
    };
    map.iter_mut()
        .filter(|(name, _)| annotated_int(class_text, name))
        .map(|(_, ty)| usize::from(make_integer(ty)))
        .sum()
}

/// A file of the Python package.
pub trait PythonPackage {
    fn read(&self, path: &str) -> Option<String>;
}

impl PythonPackage for &Path {
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.join(path)).ok()
    }
}

/// Refine every resource and type of `schema`; returns how many properties became integers.
pub fn refine_integers(schema: &mut Value, python: &dyn PythonPackage) -> Result<usize> {
    let mut changed = 0;
    if let Some(resources) = schema["resources"].as_object_mut() {
        for (token, resource) in resources.iter_mut() {
            let mut parts = token.split(':');
            let (Some(_), Some(path), Some(class)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some((module, file)) = path.split_once('/') else {
                continue;
            };
            let Some(text) = python.read(&format!("pulumi_aws/{module}/{}.py", snake_case(file)))
            else {
                continue;
            };
            let Some(args) = class_body(&text, &format!("{class}Args")) else {
                continue;
            };
            changed += refine(&mut resource["inputProperties"], args);
            changed += refine(&mut resource["properties"], args);
        }
    }
    if let Some(types) = schema["types"].as_object_mut() {
        for (token, ty) in types.iter_mut() {
            let mut parts = token.split(':');
            let (Some(_), Some(path), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let module = path.split('/').next().unwrap_or(path);
            let inputs = python
                .read(&format!("pulumi_aws/{module}/_inputs.py"))
                .unwrap_or_default();
            let outputs = python
                .read(&format!("pulumi_aws/{module}/outputs.py"))
                .unwrap_or_default();
            if let Some(class_text) =
                class_body(&inputs, &format!("{name}Args")).or_else(|| class_body(&outputs, name))
            {
                changed += refine(&mut ty["properties"], class_text);
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    struct Fixture(BTreeMap<&'static str, &'static str>);

    impl PythonPackage for Fixture {
        fn read(&self, path: &str) -> Option<String> {
            self.0.get(path).map(|t| (*t).to_owned())
        }
    }

    #[test]
    fn converts_camel_to_snake() {
        assert_eq!(
            snake_case("visibilityTimeoutSeconds"),
            "visibility_timeout_seconds"
        );
        assert_eq!(snake_case("cidrIpv4"), "cidr_ipv4");
    }

    #[test]
    fn int_annotations_turn_numbers_into_integers_and_floats_stay() {
        let python = Fixture(BTreeMap::from([
            (
                "pulumi_aws/sqs/queue.py",
                "import x\n\nclass QueueArgs:\n    def __init__(__self__, *,\n                 delay_seconds: pulumi.Input[Optional[_builtins.int]] = None,\n                 ratio: pulumi.Input[Optional[_builtins.float]] = None,\n                 ports: pulumi.Input[Optional[Sequence[pulumi.Input[_builtins.int]]]] = None):\n        pass\n\nclass Queue(pulumi.CustomResource):\n    pass\n",
            ),
            ("pulumi_aws/sqs/_inputs.py", "\nclass RuleArgs:\n    def __init__(__self__, *,\n                 days: pulumi.Input[_builtins.int]):\n        pass\n"),
        ]));
        let mut schema = json!({
            "resources": {"aws:sqs/queue:Queue": {
                "inputProperties": {"delaySeconds": {"type": "number"}, "ratio": {"type": "number"}, "ports": {"type": "array", "items": {"type": "number"}}, "name": {"type": "string"}},
                "properties": {"delaySeconds": {"type": "number"}}
            }},
            "types": {"aws:sqs/Rule:Rule": {"type": "object", "properties": {"days": {"type": "number"}}}}
        });
        let changed = refine_integers(&mut schema, &python).expect("refines");
        assert_eq!(changed, 4);
        let inputs = &schema["resources"]["aws:sqs/queue:Queue"]["inputProperties"];
        assert_eq!(inputs["delaySeconds"], json!({"type": "integer"}));
        assert_eq!(
            inputs["ratio"],
            json!({"type": "number"}),
            "floats stay numbers"
        );
        assert_eq!(inputs["ports"]["items"], json!({"type": "integer"}));
        assert_eq!(
            schema["types"]["aws:sqs/Rule:Rule"]["properties"]["days"],
            json!({"type": "integer"})
        );
    }
}
