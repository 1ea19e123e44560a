//! `prost_types` values ↔ JSON, unwrapping Pulumi's secret wrappers.

use prost_types::value::Kind;
use prost_types::{ListValue, Struct, Value as ProtoValue};
use serde_json::{Map, Number, Value};

/// Pulumi's signature key of special values, and the signature of a secret.
const SIG: &str = "4dabf18193072939515e22adb298388d";
const SECRET: &str = "1b47061264138c4ac30d75fd1eb44270";

/// A protobuf struct as a JSON object (secrets unwrapped to their value).
pub fn to_json(value: &Struct) -> Value {
    Value::Object(
        value
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), proto_to_json(v)))
            .collect(),
    )
}

fn proto_to_json(value: &ProtoValue) -> Value {
    match &value.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::NumberValue(n)) => Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::ListValue(list)) => {
            Value::Array(list.values.iter().map(proto_to_json).collect())
        }
        Some(Kind::StructValue(s)) => {
            let object = to_json(s);
            match object.get(SIG).and_then(Value::as_str) {
                Some(SECRET) => object.get("value").cloned().unwrap_or(Value::Null),
                _ => object,
            }
        }
    }
}

/// A JSON object as a protobuf struct.
pub fn to_struct(value: &Map<String, Value>) -> Struct {
    Struct {
        fields: value
            .iter()
            .map(|(k, v)| (k.clone(), json_to_proto(v)))
            .collect(),
    }
}

fn json_to_proto(value: &Value) -> ProtoValue {
    let kind = match value {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Array(items) => Kind::ListValue(ListValue {
            values: items.iter().map(json_to_proto).collect(),
        }),
        Value::Object(map) => Kind::StructValue(to_struct(map)),
    };
    ProtoValue { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_json_and_unwraps_secrets() {
        let value = json!({"a": "x", "n": 3.0, "b": true, "l": [1.0, "two"], "m": {"k": null}});
        let Value::Object(map) = &value else {
            unreachable!()
        };
        assert_eq!(to_json(&to_struct(map)), value);
        let secret = json!({"password": {SIG: SECRET, "value": "hunter2"}});
        let Value::Object(map) = &secret else {
            unreachable!()
        };
        assert_eq!(to_json(&to_struct(map)), json!({"password": "hunter2"}));
    }
}
