//! The `dynamodb:updateItem` integration on a plain JSON item, for the local executor: the `Key`, a `SET`
//! `UpdateExpression` (`name = :value`, `#name = :value`, `name = if_not_exists(name, :value)`), and the
//! `ExpressionAttributeNames` / `ExpressionAttributeValues` of the definition. Like DynamoDB, a missing item
//! is created from its key. Values use DynamoDB's typed JSON (`{"S": …}`, `{"N": "1"}`, `{"BOOL": …}`,
//! `{"NULL": true}`, `{"M": …}`, `{"L": …}`); the item comes back as plain JSON.

use serde_json::{Map, Value};

/// A typed attribute value as plain JSON.
pub fn plain(attribute: &Value) -> Result<Value, String> {
    let Some((kind, value)) = attribute.as_object().and_then(|m| m.iter().next()) else {
        return Err(format!("{attribute} is not a typed attribute value"));
    };
    match kind.as_str() {
        "S" | "BOOL" => Ok(value.clone()),
        "NULL" => Ok(Value::Null),
        "N" => value
            .as_str()
            .and_then(|n| serde_json::from_str::<serde_json::Number>(n).ok())
            .map(Value::Number)
            .ok_or_else(|| format!("{value} is not a number (N)")),
        "M" => value
            .as_object()
            .ok_or_else(|| format!("{value} is not a map (M)"))?
            .iter()
            .map(|(k, v)| plain(v).map(|v| (k.clone(), v)))
            .collect::<Result<Map<_, _>, _>>()
            .map(Value::Object),
        "L" => value
            .as_array()
            .ok_or_else(|| format!("{value} is not a list (L)"))?
            .iter()
            .map(plain)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Err(format!(
            "attribute type {other} is not supported (S, N, BOOL, NULL, M, L)"
        )),
    }
}

/// The item's key as plain JSON (`{"model_name": "m"}`).
pub fn key(parameters: &Value) -> Result<Map<String, Value>, String> {
    parameters["Key"]
        .as_object()
        .ok_or("Key is missing")?
        .iter()
        .map(|(k, v)| plain(v).map(|v| (k.clone(), v)))
        .collect()
}

/// `item` (or a new item from the key, when `None`) after the update in `parameters`.
pub fn apply(item: Option<Map<String, Value>>, parameters: &Value) -> Result<Value, String> {
    let key = key(parameters)?;
    let mut item = item.unwrap_or_else(|| key.clone());
    let expression = parameters["UpdateExpression"]
        .as_str()
        .ok_or("UpdateExpression is missing")?;
    let assignments = expression
        .trim()
        .strip_prefix("SET ")
        .ok_or_else(|| format!("'{expression}': only a SET expression is supported"))?;
    let name = |token: &str| -> Result<String, String> {
        let token = token.trim();
        match token.strip_prefix('#') {
            Some(_) => parameters["ExpressionAttributeNames"][token]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{token} is not in ExpressionAttributeNames")),
            None => Ok(token.to_owned()),
        }
    };
    let value = |token: &str| -> Result<Value, String> {
        let token = token.trim();
        let attribute = &parameters["ExpressionAttributeValues"][token];
        if attribute.is_null() {
            return Err(format!("{token} is not in ExpressionAttributeValues"));
        }
        plain(attribute)
    };
    for assignment in split_top_level(assignments) {
        let (target, operand) = assignment
            .split_once('=')
            .ok_or_else(|| format!("'{assignment}' is not an assignment"))?;
        let target = name(target)?;
        if key.contains_key(&target) {
            return Err(format!("{target} is part of the key and cannot be updated"));
        }
        let operand = operand.trim();
        let new = match operand
            .strip_prefix("if_not_exists(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            Some(arguments) => {
                let (path, fallback) = arguments
                    .split_once(',')
                    .ok_or_else(|| format!("'{operand}' needs a path and a value"))?;
                match item.get(&name(path)?) {
                    Some(existing) => existing.clone(),
                    None => value(fallback)?,
                }
            }
            None => value(operand)?,
        };
        item.insert(target, new);
    }
    Ok(Value::Object(item))
}

/// `a = b, c = f(d, e)` → `["a = b", "c = f(d, e)"]`.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::apply;

    fn parameters(expression: &str) -> serde_json::Value {
        json!({
            "TableName": "t",
            "Key": {"model_name": {"S": "m"}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":at": {"S": "2026-01-01T00:00:00Z"}, ":s": {"S": "completed"},
                                          ":n": {"N": "2.5"}, ":m": {"M": {"a": {"L": [{"BOOL": true}, {"NULL": true}]}}}}
        })
    }

    #[test]
    fn creates_a_missing_item_from_its_key() {
        let item = apply(
            None,
            &parameters("SET last = :at, #status = :s, score = :n, extra = :m"),
        );
        assert_eq!(
            item,
            Ok(
                json!({"model_name": "m", "last": "2026-01-01T00:00:00Z", "status": "completed", "score": 2.5,
                      "extra": {"a": [true, null]}})
            )
        );
    }

    #[test]
    fn if_not_exists_keeps_what_is_there() {
        let existing = json!({"model_name": "m", "first": "old"})
            .as_object()
            .cloned();
        let item = apply(
            existing,
            &parameters(
                "SET first = if_not_exists(first, :at), second = if_not_exists(second, :s)",
            ),
        );
        assert_eq!(
            item,
            Ok(json!({"model_name": "m", "first": "old", "second": "completed"}))
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            apply(None, &parameters("REMOVE a")),
            Err("'REMOVE a': only a SET expression is supported".into())
        );
        assert_eq!(
            apply(None, &parameters("SET #missing = :s")),
            Err("#missing is not in ExpressionAttributeNames".into())
        );
        assert_eq!(
            apply(None, &parameters("SET a = :missing")),
            Err(":missing is not in ExpressionAttributeValues".into())
        );
        assert_eq!(
            apply(None, &parameters("SET model_name = :s")),
            Err("model_name is part of the key and cannot be updated".into())
        );
        assert_eq!(
            apply(None, &parameters("SET a")),
            Err("'a' is not an assignment".into())
        );
        let mut bad = parameters("SET a = :x");
        bad["ExpressionAttributeValues"][":x"] = json!({"SS": ["a"]});
        assert_eq!(
            apply(None, &bad),
            Err("attribute type SS is not supported (S, N, BOOL, NULL, M, L)".into())
        );
    }
}
