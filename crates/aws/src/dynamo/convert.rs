//! JSON values ↔ DynamoDB attribute values.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

/// A JSON value as an attribute value (numbers as `N`, objects as `M`, arrays as `L`).
pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(to_item(map)),
    }
}

/// A JSON object as an item.
pub fn to_item(map: &Map<String, Value>) -> HashMap<String, AttributeValue> {
    map.iter()
        .map(|(k, v)| (k.clone(), to_attribute(v)))
        .collect()
}

/// An attribute value as JSON (`N` as an integer when it is one).
pub fn from_attribute(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => n
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| {
                n.parse::<f64>()
                    .map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number))
            })
            .unwrap_or(Value::Null),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::L(items) => Value::Array(items.iter().map(from_attribute).collect()),
        AttributeValue::M(map) => from_item(map),
        AttributeValue::Ss(items) => {
            Value::Array(items.iter().cloned().map(Value::String).collect())
        }
        _ => Value::Null,
    }
}

/// An item as a JSON object.
pub fn from_item(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), from_attribute(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_json_shape() {
        let value = json!({"s": "x", "i": 7, "f": 0.25, "b": true, "n": null, "l": [1, "a"], "m": {"k": {"deep": [false]}}});
        let Value::Object(map) = &value else {
            unreachable!()
        };
        assert_eq!(from_item(&to_item(map)), value);
        assert_eq!(
            to_attribute(&json!(1000.0)),
            AttributeValue::N("1000.0".into())
        );
        assert_eq!(
            from_attribute(&AttributeValue::N("1000".into())),
            json!(1000)
        );
    }
}
