//! Reference paths (`$.a.b`, `$$.Execution.Id`), `.$` templates with intrinsic functions, and `ResultPath`.

use serde_json::{json, Map, Value};

use super::intrinsic;
use super::TaskFailure;

/// Read `path` (`$`, `$.a.b`, `$$.Execution.Id`) from the state input or the context.
pub fn read(path: &str, input: &Value, context: &Value) -> Value {
    let (root, rest) = match path.strip_prefix("$$") {
        Some(rest) => (context, rest),
        None => (input, path.strip_prefix('$').unwrap_or(path)),
    };
    rest.split('.')
        .filter(|p| !p.is_empty())
        .fold(root.clone(), |value, key| {
            value.get(key).cloned().unwrap_or(Value::Null)
        })
}

/// Resolve a `Parameters`/`ResultSelector` template: keys ending in `.$` take the value at their path, or
/// the result of their intrinsic function (`States.JsonMerge(…)`). A malformed or failing intrinsic is a
/// `States.Runtime` failure, as in Step Functions.
pub fn resolve(template: &Value, input: &Value, context: &Value) -> Result<Value, TaskFailure> {
    match template {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let resolved = match (key.strip_suffix(".$"), value.as_str()) {
                    (Some(name), Some(expression)) => {
                        (name.to_owned(), evaluate(expression, input, context)?)
                    }
                    _ => (key.clone(), resolve(value, input, context)?),
                };
                out.insert(resolved.0, resolved.1);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|v| resolve(v, input, context))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// A `.$` value: a path, or an intrinsic function call.
fn evaluate(expression: &str, input: &Value, context: &Value) -> Result<Value, TaskFailure> {
    if expression.starts_with('$') {
        return Ok(read(expression, input, context));
    }
    intrinsic::evaluate(expression, &|path| read(path, input, context)).map_err(|cause| {
        TaskFailure {
            error: "States.Runtime".into(),
            cause: format!("{expression}: {cause}"),
        }
    })
}

/// Place `result` at `path` of `input` (`$` replaces the input; missing objects are created).
pub fn place(input: &Value, path: Option<&str>, result: Value) -> Value {
    let path = path.unwrap_or("$");
    let keys: Vec<&str> = path
        .strip_prefix('$')
        .unwrap_or(path)
        .split('.')
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return result;
    }
    let mut output = if input.is_object() {
        input.clone()
    } else {
        json!({})
    };
    let mut cursor = &mut output;
    for key in &keys[..keys.len() - 1] {
        if !cursor.get(*key).is_some_and(Value::is_object) {
            cursor[*key] = json!({});
        }
        cursor = &mut cursor[*key];
    }
    cursor[keys[keys.len() - 1]] = result;
    output
}
