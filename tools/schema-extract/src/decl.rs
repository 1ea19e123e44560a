//! Reading `.d.ts` declarations: blocks (`class X … { }`, `interface X { }`, `namespace m { }`) and their members.

/// One property of a class or interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// Declared with `?:`.
    pub optional: bool,
    /// The TypeScript type text.
    pub ty: String,
}

/// The body (between the braces) of the first block whose header starts with `header`.
pub fn block<'a>(text: &'a str, header: &str) -> Option<&'a str> {
    let mut search = 0;
    while let Some(found) = text[search..].find(header) {
        let start = search + found;
        let at_line_start = start == 0 || text[..start].ends_with(['\n', ' ']);
        let open = start + text[start..].find('{')?;
        let header_text = &text[start..open];
        if at_line_start && !header_text.contains(';') {
            let mut depth = 0;
            for (offset, c) in text[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(&text[open + 1..open + offset]);
                        }
                    }
                    _ => {}
                }
            }
            return None;
        }
        search = start + header.len();
    }
    None
}

/// Remove `/** … */` and `// …` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The property members of a block body: `readonly name: T;` in classes, `name?: T;` in interfaces. Methods,
/// constructors, static members and nested blocks are skipped.
pub fn members(body: &str) -> Vec<Member> {
    let clean = strip_comments(body);
    let mut members = Vec::new();
    for statement in crate::ts_type::split_top(&clean, ';') {
        let statement = statement.trim();
        if statement.is_empty()
            || statement.starts_with("static ")
            || statement.starts_with("constructor")
            || statement.contains("interface ")
        {
            continue;
        }
        let statement = statement.strip_prefix("readonly ").unwrap_or(statement);
        let Some((name, ty)) = statement.split_once(':') else {
            continue;
        };
        let (name, optional) = match name.trim().strip_suffix('?') {
            Some(name) => (name.trim(), true),
            None => (name.trim(), false),
        };
        let is_identifier = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if is_identifier && !name.contains('(') {
            members.push(Member {
                name: name.to_owned(),
                optional,
                ty: ty.trim().to_owned(),
            });
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
export declare class Bucket extends pulumi.CustomResource {
    /**
     * Get an existing Bucket resource's state.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, state?: BucketState, opts?: pulumi.CustomResourceOptions): Bucket;
    static isInstance(obj: any): obj is Bucket;
    /** ARN of the bucket. */
    readonly arn: pulumi.Output<string>;
    readonly tags: pulumi.Output<{
        [key: string]: string;
    } | undefined>;
    constructor(name: string, args?: BucketArgs, opts?: pulumi.CustomResourceOptions);
}
export interface BucketArgs {
    /** Name. See https://example.com/a//b */
    bucket?: pulumi.Input<string | undefined>;
    forceDestroy: pulumi.Input<boolean>;
}
"#;

    #[test]
    fn reads_class_and_interface_members_skipping_methods_and_comments() {
        let class = members(block(SAMPLE, "export declare class Bucket ").expect("class"));
        let names: Vec<(&str, bool)> = class
            .iter()
            .map(|m| (m.name.as_str(), m.optional))
            .collect();
        assert_eq!(names, [("arn", false), ("tags", false)]);
        assert!(
            class[1].ty.contains("[key: string]: string;"),
            "{:?}",
            class[1]
        );
        let args = members(block(SAMPLE, "export interface BucketArgs ").expect("args"));
        assert_eq!(
            args,
            [
                Member {
                    name: "bucket".into(),
                    optional: true,
                    ty: "pulumi.Input<string | undefined>".into()
                },
                Member {
                    name: "forceDestroy".into(),
                    optional: false,
                    ty: "pulumi.Input<boolean>".into()
                },
            ]
        );
    }

    #[test]
    fn finds_nested_blocks_by_header() {
        let text = "export declare namespace s3 {\n    interface BucketVersioning {\n        enabled?: pulumi.Input<boolean>;\n    }\n}\n";
        let namespace = block(text, "export declare namespace s3 ").expect("namespace");
        let interface = block(namespace, "interface BucketVersioning ").expect("interface");
        assert_eq!(members(interface)[0].name, "enabled");
        assert!(block(text, "interface BucketVersioningX ").is_none());
    }
}
