//! `image-built`: every image the graph runs (a task definition's containers, a function's image) is one the
//! pipeline builds and pushes (`tradai infra images`, the plan `scripts/push-images` follows), for the CPU
//! architecture the task or the function declares.

use super::{containers, violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

/// `x86_64` or `arm64`, however the API spells it (`X86_64`, `ARM64`, `linux/amd64`, `linux/arm64`).
fn arch(value: &str) -> String {
    match value.to_ascii_lowercase().as_str() {
        "x86_64" | "linux/amd64" | "amd64" => "x86_64".into(),
        "arm64" | "linux/arm64" | "aarch64" => "arm64".into(),
        other => other.to_owned(),
    }
}

/// The repository of an image reference (`<registry>/<project>/<env>/<repository>:<tag>`): its last path
/// segment without the tag or digest.
fn repository(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    let last = last.split('@').next().unwrap_or(last);
    last.split(':').next().unwrap_or(last)
}

fn compare(
    resource: &Planned,
    image: &str,
    declared: &str,
    needs: &Needs,
    out: &mut Vec<Violation>,
) {
    let repo = repository(image);
    match needs.images.get(repo) {
        None => out.push(violation(
            "image-built",
            resource,
            format!("runs {image}, but the pipeline builds no image for repository {repo} (tradai infra images)"),
        )),
        Some(platform) if arch(platform) != arch(declared) => out.push(violation(
            "image-built",
            resource,
            format!(
                "runs {image} on {}, but the pipeline builds it for {}",
                arch(declared),
                arch(platform)
            ),
        )),
        Some(_) => {}
    }
}

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    for task in of_type(graph, "aws:ecs/taskDefinition:TaskDefinition") {
        // A task definition without a runtime platform runs on X86_64 (Fargate's default, the t3 host).
        let declared = task.inputs["runtimePlatform"]["cpuArchitecture"]
            .as_str()
            .unwrap_or("X86_64");
        for container in containers(task) {
            if let Some(image) = container["image"].as_str() {
                compare(task, image, declared, needs, out);
            }
        }
    }
    for function in of_type(graph, "aws:lambda/function:Function") {
        let Some(image) = function.inputs["imageUri"].as_str() else {
            continue;
        };
        // Lambda's default architecture is x86_64.
        let declared = function.inputs["architectures"][0]
            .as_str()
            .unwrap_or("x86_64");
        compare(function, image, declared, needs, out);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::{planned, task};
    use super::*;

    const REGISTRY: &str = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/tradai/dev";

    fn needs() -> Needs {
        Needs {
            images: [
                ("backend".to_owned(), "linux/amd64".to_owned()),
                ("lambda-update-status".to_owned(), "linux/arm64".to_owned()),
            ]
            .into(),
            ..Needs::default()
        }
    }

    fn details(graph: &[Planned]) -> Vec<String> {
        let mut out = Vec::new();
        check(graph, &needs(), &mut out);
        out.into_iter().map(|v| v.detail).collect()
    }

    fn function(image: &str, architecture: &str) -> Planned {
        planned(
            "aws:lambda/function:Function",
            "fn",
            json!({"packageType": "Image", "imageUri": image, "architectures": [architecture]}),
        )
    }

    #[test]
    fn built_images_on_their_architecture_pass() {
        let graph = [
            task(
                "backend",
                json!({"name": "backend", "image": format!("{REGISTRY}/backend:1a2b")}),
            ),
            function(&format!("{REGISTRY}/lambda-update-status:1a2b"), "arm64"),
        ];
        assert_eq!(details(&graph), Vec::<String>::new());
    }

    #[test]
    fn an_image_nothing_builds_or_built_for_another_architecture_is_reported() {
        let graph = [
            task(
                "live",
                json!({"name": "live", "image": format!("{REGISTRY}/live-trading:1a2b")}),
            ),
            function(&format!("{REGISTRY}/lambda-update-status:1a2b"), "x86_64"),
        ];
        assert_eq!(
            details(&graph),
            [
                format!("runs {REGISTRY}/live-trading:1a2b, but the pipeline builds no image for repository live-trading (tradai infra images)"),
                format!("runs {REGISTRY}/lambda-update-status:1a2b on x86_64, but the pipeline builds it for arm64"),
            ]
        );
    }

    #[test]
    fn repositories_are_read_from_any_reference() {
        assert_eq!(
            repository("r.example:5000/tradai/dev/backend:tag"),
            "backend"
        );
        assert_eq!(repository("tradai/dev/mlflow@sha256:abc"), "mlflow");
        assert_eq!(arch("ARM64"), "arm64");
        assert_eq!(arch("linux/amd64"), "x86_64");
    }
}
