//! The TypeScript types of `@pulumi/aws` declarations, as Pulumi schema types.

use anyhow::{bail, Result};
use serde_json::{json, Value};

/// A named type the schema refers to: the `types` entry `aws:<module>/<Name>:<Name>` (`inputs.<module>.<Name>`
/// or `outputs.<module>.<Name>` in the declarations).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeRef {
    pub module: String,
    pub name: String,
}

impl TypeRef {
    /// The schema token of the type.
    pub fn token(&self) -> String {
        format!("aws:{}/{}:{}", self.module, self.name, self.name)
    }
}

/// Split `text` at `separator` where it is not nested in `<>`, `{}`, `[]` or `()`.
pub fn split_top(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '<' | '{' | '[' | '(' => depth += 1,
            '>' | '}' | ']' | ')' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(text[start..index].trim());
                start = index + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts
}

/// Strip one generic wrapper `prefix<...>` around the whole text.
fn unwrap_generic<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let inner = text
        .strip_prefix(prefix)?
        .strip_prefix('<')?
        .strip_suffix('>')?;
    // Only when the last `>` closes this wrapper (not `pulumi.Input<A> | pulumi.Input<B>`).
    balanced(inner).then_some(inner)
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '<' | '{' | '[' | '(' => depth += 1,
            '>' | '}' | ']' | ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// The schema type of a TypeScript type; `refs` collects the named types it uses.
pub fn schema_type(text: &str, refs: &mut Vec<TypeRef>) -> Result<Value> {
    let text = text.trim();
    for wrapper in ["pulumi.Input", "pulumi.Output"] {
        if let Some(inner) = unwrap_generic(text, wrapper) {
            return schema_type(inner, refs);
        }
    }
    let alternatives: Vec<&str> = split_top(text, '|')
        .into_iter()
        .filter(|a| *a != "undefined" && !a.is_empty())
        .collect();
    if alternatives.len() > 1 {
        // `string | enums.s3.CannedAcl`, `string | PolicyDocument`: the provider takes a string.
        if alternatives
            .iter()
            .any(|a| *a == "string" || a.starts_with("enums.") || a.starts_with('"'))
        {
            return Ok(json!({"type": "string"}));
        }
        bail!("cannot map the union type `{text}`");
    }
    let Some(&single) = alternatives.first() else {
        bail!("empty type")
    };
    if single != text {
        return schema_type(single, refs);
    }
    if let Some(element) = text.strip_suffix("[]") {
        return Ok(json!({"type": "array", "items": schema_type(element, refs)?}));
    }
    if let Some(body) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let body = body.trim().trim_end_matches(';');
        let Some(value) = body.strip_prefix("[key: string]:") else {
            bail!("cannot map the object type `{text}`")
        };
        return Ok(json!({"type": "object", "additionalProperties": schema_type(value, refs)?}));
    }
    if let Some(rest) = text
        .strip_prefix("inputs.")
        .or_else(|| text.strip_prefix("outputs."))
    {
        let Some((module, name)) = rest.split_once('.') else {
            bail!("cannot map the type reference `{text}`")
        };
        let reference = TypeRef {
            module: module.to_owned(),
            name: name.to_owned(),
        };
        let value = json!({"$ref": format!("#/types/{}", reference.token())});
        refs.push(reference);
        return Ok(value);
    }
    Ok(match text {
        "string" | "ARN" | "PolicyDocument" | "Region" => json!({"type": "string"}),
        t if t.starts_with("enums.") || t.starts_with('"') => json!({"type": "string"}),
        "number" => json!({"type": "number"}),
        "boolean" => json!({"type": "boolean"}),
        "any" => json!({"$ref": "pulumi.json#/Any"}),
        "pulumi.asset.Archive" => json!({"$ref": "pulumi.json#/Archive"}),
        "pulumi.asset.Asset" | "pulumi.asset.AssetOrArchive" => {
            json!({"$ref": "pulumi.json#/Asset"})
        }
        other => bail!("unknown type `{other}`"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(text: &str) -> (Value, Vec<String>) {
        let mut refs = Vec::new();
        let value = schema_type(text, &mut refs).expect(text);
        (value, refs.iter().map(TypeRef::token).collect())
    }

    #[test]
    fn maps_scalars_unions_and_wrappers() {
        assert_eq!(
            map("pulumi.Input<string | undefined>").0,
            json!({"type": "string"})
        );
        assert_eq!(map("pulumi.Output<number>").0, json!({"type": "number"}));
        assert_eq!(
            map("pulumi.Input<boolean | undefined>").0,
            json!({"type": "boolean"})
        );
        assert_eq!(
            map("pulumi.Input<string | enums.s3.CannedAcl | undefined>").0,
            json!({"type": "string"})
        );
        assert_eq!(
            map("pulumi.Input<string | PolicyDocument>").0,
            json!({"type": "string"})
        );
        assert_eq!(
            map("pulumi.Input<pulumi.asset.Archive | undefined>").0,
            json!({"$ref": "pulumi.json#/Archive"})
        );
    }

    #[test]
    fn maps_arrays_maps_and_references() {
        assert_eq!(
            map("pulumi.Input<pulumi.Input<string>[] | undefined>").0,
            json!({"type": "array", "items": {"type": "string"}})
        );
        assert_eq!(
            map("pulumi.Input<{\n        [key: string]: pulumi.Input<string>;\n    } | undefined>")
                .0,
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        let (value, refs) = map(
            "pulumi.Input<pulumi.Input<inputs.dynamodb.TableGlobalSecondaryIndex>[] | undefined>",
        );
        assert_eq!(
            value,
            json!({"type": "array", "items": {"$ref": "#/types/aws:dynamodb/TableGlobalSecondaryIndex:TableGlobalSecondaryIndex"}})
        );
        assert_eq!(
            refs,
            ["aws:dynamodb/TableGlobalSecondaryIndex:TableGlobalSecondaryIndex"]
        );
        assert_eq!(
            map("pulumi.Output<outputs.s3.BucketVersioning>").1,
            ["aws:s3/BucketVersioning:BucketVersioning"]
        );
    }

    #[test]
    fn refuses_types_it_cannot_map_faithfully() {
        let mut refs = Vec::new();
        let err = schema_type("pulumi.Input<Date>", &mut refs).expect_err("unknown");
        assert_eq!(err.to_string(), "unknown type `Date`");
        assert!(schema_type("pulumi.Input<number | boolean>", &mut refs).is_err());
    }
}
