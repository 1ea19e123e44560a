//! Structure-aware edits of JSON inputs: a value somewhere in the document replaced by an extreme one, or
//! removed.

use proptest::prelude::*;
use serde_json::{json, Value};

/// One edit: the path is a walk of indexes (each taken modulo the keys or items of the level it reaches).
#[derive(Debug, Clone)]
pub enum Edit {
    Replace(Vec<usize>, usize),
    Remove(Vec<usize>),
}

pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (proptest::collection::vec(any::<usize>(), 0..6), any::<usize>())
            .prop_map(|(path, r)| Edit::Replace(path, r)),
        1 => proptest::collection::vec(any::<usize>(), 1..6).prop_map(Edit::Remove),
    ]
}

/// Values that break what reads a field: wrong types, extremes, impossible dates, odd text, depth.
fn replacements() -> Vec<Value> {
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    vec![
        Value::Null,
        json!(-1),
        json!(0),
        json!(1e308),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(0.5),
        json!(""),
        json!("-262143-01-01"),
        json!("9999-12-31"),
        json!("2024-02-30"),
        json!("1m"),
        json!("../../etc/passwd"),
        json!("\u{0000}\u{202e}"),
        json!("💥".repeat(300)),
        json!("a".repeat(70_000)),
        json!(true),
        json!([]),
        json!({}),
        json!(vec!["BTC/USDT:USDT"; 500]),
        deep,
    ]
}

/// The child of `node` chosen by `step`, if it has children.
fn child(node: &mut Value, step: usize) -> Option<&mut Value> {
    match node {
        Value::Object(map) if !map.is_empty() => {
            let n = map.len();
            map.values_mut().nth(step % n)
        }
        Value::Array(items) if !items.is_empty() => {
            let n = items.len();
            items.get_mut(step % n)
        }
        _ => None,
    }
}

/// Whether `node` has children to walk into.
fn parent(node: &Value) -> bool {
    match node {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

/// The node `path` reaches, stopping at a leaf.
fn walk<'a>(mut node: &'a mut Value, path: &[usize]) -> &'a mut Value {
    for step in path {
        if !parent(node) {
            break;
        }
        node = child(node, *step).unwrap_or_else(|| unreachable!("a parent has children"));
    }
    node
}

pub fn apply(value: &mut Value, edit: &Edit) {
    match edit {
        Edit::Replace(path, r) => {
            let choices = replacements();
            *walk(value, path) = choices[r % choices.len()].clone();
        }
        Edit::Remove(path) => {
            let (last, rest) = path.split_last().unwrap_or((&0, &[]));
            match walk(value, rest) {
                Value::Object(map) if !map.is_empty() => {
                    let n = map.len();
                    let key = map.keys().nth(last % n).cloned().unwrap_or_default();
                    map.remove(&key);
                }
                Value::Array(items) if !items.is_empty() => {
                    let n = items.len();
                    items.remove(last % n);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_reach_nested_values_and_remove_keys() {
        let mut v = json!({"a": 1, "b": {"c": [10, 20]}});
        apply(&mut v, &Edit::Replace(vec![1, 0, 1], 0));
        assert_eq!(v, json!({"a": 1, "b": {"c": [10, null]}}));
        apply(&mut v, &Edit::Remove(vec![0]));
        assert_eq!(v, json!({"b": {"c": [10, null]}}));
    }
}
