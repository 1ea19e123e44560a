//! Settings as a flat map of dotted key paths to leaf values (arrays are leaves).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Settings;

/// Dotted key path → leaf value.
pub type Flat = BTreeMap<String, Value>;

/// Flatten settings into leaves.
pub fn flatten(settings: &Settings) -> Flat {
    let mut flat = Flat::new();
    let value = serde_json::to_value(settings).unwrap_or(Value::Null);
    walk(&value, String::new(), &mut flat);
    flat
}

fn walk(value: &Value, path: String, out: &mut Flat) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(child, child_path, out);
            }
        }
        other => {
            out.insert(path, other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::valid;

    #[test]
    fn flattens_nested_tables_to_dotted_leaves_and_keeps_arrays_whole() {
        let flat = flatten(&valid());
        assert_eq!(
            flat["network.subnets.private-1.cidr"],
            Value::from("10.0.11.0/24")
        );
        assert_eq!(
            flat["tables.workflow-state.partition_key.name"],
            Value::from("job_id")
        );
        assert!(flat["aws.availability_zones"].is_array());
        assert!(!flat
            .keys()
            .any(|k| k.starts_with("aws.availability_zones.")));
    }
}
