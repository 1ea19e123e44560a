//! Structural check of the merged config against the JSON schema of [`Settings`](crate::Settings): unknown keys,
//! missing keys, wrong types and values outside an enum, all reported at once with the allowed alternatives.

use serde_json::{Map, Value};

use crate::problem::{render, Problem};

/// Check `value` against `schema` (a schemars document with `$defs`), remove unknown keys from `value`, and
/// return every problem. Where `coercible(path)` holds (values from environment variables, which have no string
/// quotes), a number or boolean where a string is expected is taken as its text (`15.13` → `"15.13"`).
pub fn check(schema: &Value, value: &mut Value, coercible: &dyn Fn(&str) -> bool) -> Vec<Problem> {
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let walker = Walker { defs, coercible };
    let mut problems = Vec::new();
    walker.check(schema, value, "", &mut problems);
    problems
}

struct Walker<'a> {
    defs: &'a Map<String, Value>,
    coercible: &'a dyn Fn(&str) -> bool,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a table",
    }
}

fn matches_type(kind: &str, value: &Value) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn describe_type(kind: &str) -> &'static str {
    match kind {
        "object" => "a table",
        "array" => "an array",
        "string" => "a string",
        "boolean" => "true or false",
        "integer" => "an integer",
        "number" => "a number",
        _ => "a value",
    }
}

/// Integer bounds implied by a schemars `format` (`uint16` → 0..=65535).
fn format_bounds(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" | "uint" => (0, u32::MAX.into()),
        "uint64" => (0, u64::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

impl Walker<'_> {
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            match reference
                .strip_prefix("#/$defs/")
                .and_then(|name| self.defs.get(name))
            {
                Some(target) => current = target,
                None => break,
            }
        }
        current
    }

    fn check(&self, schema: &Value, value: &mut Value, path: &str, out: &mut Vec<Problem>) {
        let schema = self.resolve(schema);
        if let Some(alternatives) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        {
            return self.check_alternatives(alternatives, value, path, out);
        }
        if let Some(constant) = schema.get("const") {
            if constant != value {
                out.push(Problem::new(
                    path,
                    render(value),
                    "not the allowed value",
                    render(constant),
                ));
            }
            return;
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                let allowed = options.iter().map(render).collect::<Vec<_>>().join(", ");
                out.push(Problem::new(
                    path,
                    render(value),
                    "not an allowed value",
                    format!("one of {allowed}"),
                ));
            }
            return;
        }
        if let Some(kind) = schema.get("type") {
            let kinds: Vec<&str> = match kind {
                Value::String(k) => vec![k.as_str()],
                Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let scalar = value.is_number() || value.is_boolean();
            if scalar
                && kinds.contains(&"string")
                && !kinds.iter().any(|k| matches_type(k, value))
                && (self.coercible)(path)
            {
                *value = Value::String(value.to_string());
            }
            if !kinds.is_empty() && !kinds.iter().any(|k| matches_type(k, value)) {
                let expected = kinds
                    .iter()
                    .map(|k| describe_type(k))
                    .collect::<Vec<_>>()
                    .join(" or ");
                out.push(Problem::new(
                    path,
                    render(value),
                    format!("expected {expected}, found {}", type_name(value)),
                    expected,
                ));
                return;
            }
        }
        match value {
            Value::Object(map) => self.check_object(schema, map, path, out),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (index, item) in items.iter_mut().enumerate() {
                        self.check(item_schema, item, &format!("{path}[{index}]"), out);
                    }
                }
            }
            Value::Number(number) => check_bounds(schema, number, path, out),
            _ => {}
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        map: &mut Map<String, Value>,
        path: &str,
        out: &mut Vec<Problem>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(key) {
                    let expected = properties
                        .and_then(|p| p.get(key))
                        .map(|s| self.describe(s))
                        .unwrap_or_else(|| "a value".to_owned());
                    out.push(Problem::new(
                        join(path, key),
                        "(missing)",
                        "required key is missing",
                        expected,
                    ));
                }
            }
        }
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            let child_path = join(path, &key);
            match (properties.and_then(|p| p.get(&key)), additional) {
                (Some(child_schema), _) => {
                    if let Some(child) = map.get_mut(&key) {
                        self.check(child_schema, child, &child_path, out);
                    }
                }
                (None, Some(Value::Bool(false))) => {
                    let allowed = properties
                        .map(|p| p.keys().cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    let value = map.remove(&key).unwrap_or(Value::Null);
                    out.push(Problem::new(
                        child_path,
                        render(&value),
                        "unknown key",
                        format!("keys {allowed}"),
                    ));
                }
                (None, Some(child_schema)) if child_schema.is_object() => {
                    if let Some(child) = map.get_mut(&key) {
                        self.check(child_schema, child, &child_path, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// `oneOf`/`anyOf`: fine when one alternative fits; internally tagged tables are checked against the
    /// alternative their `kind` names; unit enums list their constants.
    fn check_alternatives(
        &self,
        alternatives: &[Value],
        value: &mut Value,
        path: &str,
        out: &mut Vec<Problem>,
    ) {
        let fits = |alt: &Value| {
            let mut probe = value.clone();
            let mut found = Vec::new();
            self.check(alt, &mut probe, path, &mut found);
            found.is_empty()
        };
        if alternatives.iter().any(fits) {
            return;
        }
        let tags: Vec<(&str, &Value)> = alternatives
            .iter()
            .filter_map(|alt| {
                let alt = self.resolve(alt);
                let tag = alt
                    .pointer("/properties/kind/const")
                    .and_then(Value::as_str)?;
                Some((tag, alt))
            })
            .collect();
        if !tags.is_empty() && tags.len() == alternatives.len() {
            let allowed = tags
                .iter()
                .map(|(t, _)| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let given = value.get("kind").cloned();
            match given
                .as_ref()
                .and_then(|k| tags.iter().find(|(t, _)| Some(*t) == k.as_str()))
            {
                Some((_, alt)) => self.check(alt, value, path, out),
                None => out.push(Problem::new(
                    join(path, "kind"),
                    given
                        .as_ref()
                        .map(render)
                        .unwrap_or_else(|| "(missing)".into()),
                    "not a known kind",
                    format!("one of {allowed}"),
                )),
            }
            return;
        }
        let allowed = alternatives
            .iter()
            .map(|alt| self.describe(alt))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Problem::new(
            path,
            render(value),
            "not an allowed value",
            format!("one of {allowed}"),
        ));
    }

    /// A short description of what a schema accepts.
    fn describe(&self, schema: &Value) -> String {
        let schema = self.resolve(schema);
        if let Some(constant) = schema.get("const") {
            return render(constant);
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            return format!(
                "one of {}",
                options.iter().map(render).collect::<Vec<_>>().join(", ")
            );
        }
        if let Some(alternatives) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        {
            return alternatives
                .iter()
                .map(|alt| self.describe(alt))
                .collect::<Vec<_>>()
                .join(", ");
        }
        match schema.get("type").and_then(Value::as_str) {
            Some(kind) => describe_type(kind).to_owned(),
            None => "a value".to_owned(),
        }
    }
}

fn check_bounds(schema: &Value, number: &serde_json::Number, path: &str, out: &mut Vec<Problem>) {
    let Some(n) = number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
    else {
        return;
    };
    let (mut low, mut high) = schema
        .get("format")
        .and_then(Value::as_str)
        .and_then(format_bounds)
        .unwrap_or((i128::MIN, i128::MAX));
    if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
        low = low.max(min.into());
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_i64) {
        high = high.min(max.into());
    }
    if n < low || n > high {
        out.push(Problem::new(
            path,
            n,
            "out of range",
            format!("an integer from {low} to {high}"),
        ));
    }
}
