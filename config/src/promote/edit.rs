//! Writing promoted values into an environment file with `toml_edit`, keeping its comments and layout.

use serde_json::Value;
use toml_edit::{DocumentMut, InlineTable, Item, Table};

/// Set each dotted key of `set` in the TOML document `text` and return the new text.
pub fn apply_to_toml(text: &str, set: &[(String, Value)]) -> Result<String, toml_edit::TomlError> {
    let mut doc: DocumentMut = text.parse()?;
    for (key, value) in set {
        let segments: Vec<&str> = key.split('.').collect();
        let Some((last, parents)) = segments.split_last() else {
            continue;
        };
        let mut item = doc.as_item_mut();
        for segment in parents {
            item = child(item, segment);
        }
        if let Some(table) = item.as_table_like_mut() {
            table.insert(last, toml_edit::value(to_toml(value)));
        }
    }
    Ok(doc.to_string())
}

/// The child table `segment` of `item`, created (as an implicit table, or inline inside inline tables) if needed.
fn child<'a>(item: &'a mut Item, segment: &str) -> &'a mut Item {
    let inline = item.is_inline_table();
    let exists = item.get(segment).is_some_and(|c| c.is_table_like());
    if !exists {
        if let Some(table) = item.as_table_like_mut() {
            let fresh = if inline {
                Item::Value(toml_edit::Value::InlineTable(InlineTable::new()))
            } else {
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            };
            table.insert(segment, fresh);
        }
    }
    &mut item[segment]
}

fn to_toml(value: &Value) -> toml_edit::Value {
    match value {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => toml_edit::Value::Array(items.iter().map(to_toml).collect()),
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map {
                table.insert(k, to_toml(v));
            }
            toml_edit::Value::InlineTable(table)
        }
        Value::Null => "".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_existing_and_new_nested_keys_keeping_comments() {
        let text = "# prod settings\n[compute]\nmode = \"fargate\" # keep\n";
        let out = apply_to_toml(
            text,
            &[
                ("compute.mode".into(), json!("fargate")),
                ("services.backend-api.cpu".into(), json!(1024)),
                (
                    "queues.backtest.dead_letter".into(),
                    json!({"max_receive_count": 3}),
                ),
                (
                    "aws.availability_zones".into(),
                    json!(["eu-central-1a", "eu-central-1b"]),
                ),
            ],
        )
        .expect("valid toml");
        assert!(out.starts_with("# prod settings\n"), "{out}");
        let parsed: toml::Table = out.parse().expect("output is toml");
        assert_eq!(
            parsed["services"]["backend-api"]["cpu"].as_integer(),
            Some(1024)
        );
        assert_eq!(
            parsed["queues"]["backtest"]["dead_letter"]["max_receive_count"].as_integer(),
            Some(3)
        );
        assert_eq!(
            parsed["aws"]["availability_zones"].as_array().map(Vec::len),
            Some(2)
        );
        assert!(
            !out.contains("[services]\n"),
            "parents are implicit tables: {out}"
        );
    }

    #[test]
    fn writes_into_inline_tables_in_place() {
        let text = "[queues.backtest]\ndead_letter = { max_receive_count = 5, message_retention_seconds = 100 }\n";
        let out = apply_to_toml(
            text,
            &[(
                "queues.backtest.dead_letter.max_receive_count".into(),
                json!(3),
            )],
        )
        .expect("valid");
        assert!(
            out.contains(
                "dead_letter = { max_receive_count = 3, message_retention_seconds = 100 }"
            ),
            "{out}"
        );
    }
}
