//! A preview without credentials: run the layers of an environment in order on the mock engine, each reading
//! the exports of the ones before.

use std::path::Path;

use serde_json::{json, Map, Value};
use tradai_config::{Config, Layer};

use crate::{run, RunSpec};

/// The pulumi-aws schema subset the bindings are generated from.
pub fn aws_schema() -> Value {
    serde_json::from_str(include_str!("../../aws/schema/aws.json")).unwrap_or(Value::Null)
}

/// One planned resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Planned {
    pub stack: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
    pub inputs: Value,
}

/// Why a plan failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot run {program}: {source}")]
    Start {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("stack {stack} failed:\n{stderr}")]
    Failed { stack: String, stderr: String },
}

/// Run `layers` with the config of `config_dir` (every layer up to and including the last one asked for runs, so references resolve) and return
/// the resources of the asked layers, in stack order then type and name.
pub async fn plan(
    program: &Path,
    config: &Config,
    layers: &[Layer],
    config_dir: Option<&Path>,
) -> Result<Vec<Planned>, PlanError> {
    let schema = aws_schema();
    let last = layers.iter().max().copied().unwrap_or(Layer::Persistent);
    let mut references = Map::new();
    let mut planned = Vec::new();
    for layer in Layer::ALL.into_iter().filter(|l| *l <= last) {
        let stack = config.names().stack(layer);
        let spec = RunSpec {
            program,
            project: &config.settings().project.name,
            stack: &stack,
            organization: &config.settings().project.pulumi_organization,
            config: Map::new(),
            references: references.clone(),
            schema: &schema,
            region: &config.settings().aws.region,
            dry_run: true,
            config_dir,
        };
        let result = run(spec).await.map_err(|source| PlanError::Start {
            program: program.display().to_string(),
            source,
        })?;
        if !result.success {
            return Err(PlanError::Failed {
                stack,
                stderr: result.stderr,
            });
        }
        references.insert(
            config.stack_reference(layer),
            Value::Object(result.recording.exports.clone()),
        );
        if layers.contains(&layer) {
            let mut resources: Vec<Planned> = result
                .recording
                .resources
                .into_iter()
                .filter(|r| r.custom)
                .map(|r| Planned {
                    stack: stack.clone(),
                    type_: r.type_,
                    name: r.name,
                    inputs: r.inputs,
                })
                .collect();
            resources.sort_by(|a, b| (&a.type_, &a.name).cmp(&(&b.type_, &b.name)));
            planned.extend(resources);
        }
    }
    Ok(planned)
}

/// The resources of `graph` of type `token`.
pub(crate) fn of_type<'a>(
    graph: &'a [Planned],
    token: &'a str,
) -> impl Iterator<Item = &'a Planned> + 'a {
    graph.iter().filter(move |r| r.type_ == token)
}

/// The plan as JSON (an array of `{stack, type, name, inputs}`).
pub fn to_json(planned: &[Planned]) -> Value {
    json!(planned)
}
