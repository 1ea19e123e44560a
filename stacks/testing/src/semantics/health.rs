//! `health-runnable`: a container's health check is a command its image can run. Our images are distroless
//! (no shell, no curl), so the check is the binary's own exec-form probe, exactly as the binary declares it.

use super::{container_env, containers, violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    for task in of_type(graph, "aws:ecs/taskDefinition:TaskDefinition") {
        for container in containers(task) {
            let Some(binary) =
                container_env(&container, "SERVICE_NAME").and_then(|key| needs.containers.get(key))
            else {
                continue;
            };
            let Some(want) = &binary.health else {
                continue;
            };
            let planned: Option<Vec<String>> =
                container["healthCheck"]["command"].as_array().map(|c| {
                    c.iter()
                        .map(|p| p.as_str().unwrap_or("").to_owned())
                        .collect()
                });
            let name = container["name"].as_str().unwrap_or_default();
            let detail = match planned {
                None if container["portMappings"].is_array() => format!(
                    "container {name} serves a port but has no health check; its image runs {want:?}"
                ),
                Some(command) if &command != want => format!(
                    "container {name}: health check {command:?} cannot run in the {} image; it runs {want:?}",
                    binary.name
                ),
                _ => continue,
            };
            out.push(violation("health-runnable", task, detail));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::task;
    use super::super::Binary;
    use super::*;

    #[test]
    fn a_shell_health_check_on_a_distroless_image_is_reported() {
        let mut needs = Needs::default();
        let probe = vec![
            "CMD".to_owned(),
            "/usr/local/bin/app".to_owned(),
            "--health-check".to_owned(),
        ];
        needs.containers.insert(
            "backend-api".into(),
            Binary {
                name: "tradai-backend".into(),
                health: Some(probe.clone()),
                ..Binary::default()
            },
        );
        let with = |command: serde_json::Value| {
            task(
                "tradai-backend-dev",
                json!({"name": "backend-api", "portMappings": [{"containerPort": 8000}],
                       "environment": [{"name": "SERVICE_NAME", "value": "backend-api"}],
                       "healthCheck": {"command": command}}),
            )
        };
        let run = |t| {
            let mut out = Vec::new();
            check(&[t], &needs, &mut out);
            out.into_iter().map(|v| v.detail).collect::<Vec<_>>()
        };
        assert_eq!(run(with(json!(probe))), Vec::<String>::new());
        assert_eq!(
            run(with(json!(["CMD-SHELL", "curl -fsS http://localhost:8000/api/v1/health || exit 1"]))),
            ["container backend-api: health check [\"CMD-SHELL\", \"curl -fsS http://localhost:8000/api/v1/health || exit 1\"] cannot run in the tradai-backend image; it runs [\"CMD\", \"/usr/local/bin/app\", \"--health-check\"]"]
        );
        let none = task(
            "tradai-backend-dev",
            json!({"name": "backend-api", "portMappings": [{"containerPort": 8000}],
                   "environment": [{"name": "SERVICE_NAME", "value": "backend-api"}]}),
        );
        assert!(run(none)[0].contains("has no health check"));
    }
}
