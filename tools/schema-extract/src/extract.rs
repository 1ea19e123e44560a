//! Build a Pulumi package schema for a list of resource tokens from the `@pulumi/aws` declarations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

use crate::decl::{block, members, Member};
use crate::ts_type::{schema_type, TypeRef};

/// The package files the extractor reads.
pub trait Package {
    /// The text of a file relative to the package root.
    fn read(&self, path: &str) -> Result<String>;
}

impl Package for &Path {
    fn read(&self, path: &str) -> Result<String> {
        std::fs::read_to_string(self.join(path))
            .with_context(|| format!("reading {}", self.join(path).display()))
    }
}

/// `aws:s3/bucket:Bucket` → (`s3/bucket`, `Bucket`).
fn split_token(token: &str) -> Result<(&str, &str)> {
    let mut parts = token.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("aws"), Some(module), Some(class), None) if module.contains('/') => {
            Ok((module, class))
        }
        _ => bail!("`{token}` is not a resource token aws:<module>/<file>:<Class>"),
    }
}

/// Properties and required names of a list of members.
fn properties(
    members: &[Member],
    refs: &mut Vec<TypeRef>,
    context: &str,
) -> Result<(Map<String, Value>, Vec<String>)> {
    let mut props = Map::new();
    let mut required = Vec::new();
    for member in members {
        let ty =
            schema_type(&member.ty, refs).with_context(|| format!("{context}.{}", member.name))?;
        props.insert(member.name.clone(), ty);
        let may_be_undefined = member.ty.contains("| undefined");
        if !member.optional && !may_be_undefined {
            required.push(member.name.clone());
        }
    }
    Ok((props, required))
}

/// The schema of the resources named by `tokens`, with every type they use.
pub fn extract(package: &dyn Package, version: &str, tokens: &[String]) -> Result<Value> {
    let mut resources = BTreeMap::new();
    let mut refs = Vec::new();
    for token in tokens {
        let (module, class) = split_token(token)?;
        let script = package.read(&format!("{module}.js"))?;
        if !script.contains(&format!("__pulumiType = '{token}'")) {
            bail!("{module}.js does not declare `{token}`: check the token");
        }
        let declarations = package.read(&format!("{module}.d.ts"))?;
        let class_body = block(&declarations, &format!("export declare class {class} "))
            .with_context(|| format!("class {class} in {module}.d.ts"))?;
        let args_body = block(&declarations, &format!("export interface {class}Args "))
            .with_context(|| format!("interface {class}Args in {module}.d.ts"))?;
        let (outputs, required) = properties(&members(class_body), &mut refs, token)?;
        let (inputs, required_inputs) = properties(&members(args_body), &mut refs, token)?;
        let resource = json!({"properties": outputs, "required": required, "inputProperties": inputs, "requiredInputs": required_inputs});
        resources.insert(token.clone(), resource);
    }
    let types = nested_types(package, refs)?;
    Ok(json!({
        "name": "aws",
        "version": version,
        "description": format!("Subset of the pulumi-aws {version} schema for TradAI-rs, extracted from the @pulumi/aws type declarations by tools/schema-extract"),
        "resources": resources,
        "types": types,
    }))
}

/// The body of `interface <Name>` in `namespace <module>` of a declaration file.
fn find_type<'a>(text: &'a str, reference: &TypeRef) -> Option<&'a str> {
    let namespace = block(
        text,
        &format!("export declare namespace {} ", reference.module),
    )?;
    block(namespace, &format!("interface {} ", reference.name))
}

/// Every type reachable from `refs`, read from `types/input.d.ts` (or `types/output.d.ts` for output-only types).
fn nested_types(package: &dyn Package, mut refs: Vec<TypeRef>) -> Result<BTreeMap<String, Value>> {
    let inputs = package.read("types/input.d.ts")?;
    let outputs = package.read("types/output.d.ts")?;
    let mut types = BTreeMap::new();
    let mut seen = BTreeSet::new();
    while let Some(reference) = refs.pop() {
        if !seen.insert(reference.token()) {
            continue;
        }
        // The input declaration states what a caller must give; output-only types fall back to outputs.
        let body = find_type(&inputs, &reference)
            .or_else(|| find_type(&outputs, &reference))
            .with_context(|| {
                format!(
                    "type {} in types/input.d.ts or types/output.d.ts",
                    reference.token()
                )
            })?;
        let (props, required) = properties(&members(body), &mut refs, &reference.token())?;
        types.insert(
            reference.token(),
            json!({"type": "object", "properties": props, "required": required}),
        );
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture(BTreeMap<&'static str, &'static str>);

    impl Package for Fixture {
        fn read(&self, path: &str) -> Result<String> {
            self.0
                .get(path)
                .map(|t| (*t).to_owned())
                .with_context(|| format!("no {path}"))
        }
    }

    fn fixture() -> Fixture {
        Fixture(BTreeMap::from([
            ("s3/bucket.js", "class Bucket { }\nBucket.__pulumiType = 'aws:s3/bucket:Bucket';"),
            (
                "s3/bucket.d.ts",
                "export declare class Bucket extends pulumi.CustomResource {\n    readonly arn: pulumi.Output<string>;\n    readonly versioning: pulumi.Output<outputs.s3.BucketVersioning>;\n    readonly tags: pulumi.Output<{\n        [key: string]: string;\n    } | undefined>;\n}\nexport interface BucketArgs {\n    bucket?: pulumi.Input<string | undefined>;\n    versioning?: pulumi.Input<inputs.s3.BucketVersioning | undefined>;\n}\n",
            ),
            ("types/input.d.ts", "export declare namespace s3 {\n    interface BucketVersioning {\n        enabled?: pulumi.Input<boolean | undefined>;\n        rules: pulumi.Input<pulumi.Input<inputs.s3.Rule>[]>;\n    }\n    interface Rule {\n        id: pulumi.Input<string>;\n    }\n}\n"),
            ("types/output.d.ts", "export declare namespace s3 {\n}\n"),
        ]))
    }

    #[test]
    fn extracts_a_resource_with_its_nested_types_and_required_fields() {
        let schema =
            extract(&fixture(), "7.48.0", &["aws:s3/bucket:Bucket".to_owned()]).expect("extracts");
        let bucket = &schema["resources"]["aws:s3/bucket:Bucket"];
        assert_eq!(bucket["required"], json!(["arn", "versioning"]));
        assert_eq!(bucket["requiredInputs"], json!([]));
        assert_eq!(
            bucket["properties"]["tags"],
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        assert_eq!(
            bucket["inputProperties"]["versioning"],
            json!({"$ref": "#/types/aws:s3/BucketVersioning:BucketVersioning"})
        );
        let versioning = &schema["types"]["aws:s3/BucketVersioning:BucketVersioning"];
        assert_eq!(versioning["required"], json!(["rules"]));
        assert_eq!(
            schema["types"]["aws:s3/Rule:Rule"]["required"],
            json!(["id"]),
            "types reached through types are extracted too"
        );
    }

    #[test]
    fn refuses_a_token_the_package_does_not_declare() {
        let err = extract(&fixture(), "7.48.0", &["aws:s3/bucket:BucketV2".to_owned()])
            .expect_err("wrong class");
        assert_eq!(
            err.to_string(),
            "s3/bucket.js does not declare `aws:s3/bucket:BucketV2`: check the token"
        );
        assert!(extract(&fixture(), "7.48.0", &["s3:Bucket".to_owned()]).is_err());
    }
}
