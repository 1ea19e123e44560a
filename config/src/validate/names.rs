//! Rules on names: map keys must be name components, and every derived name must fit its AWS limit.

use super::{is_component, quoted};
use crate::naming::Names;
use crate::problem::Problem;
use crate::{Environment, Settings};

pub fn check(s: &Settings, env: Environment, out: &mut Vec<Problem>) {
    let project = &s.project.name;
    if !(is_component(project) && !project.contains('-') && (2..=16).contains(&project.len())) {
        out.push(Problem::new(
            "project.name",
            quoted(project),
            "not a valid name prefix",
            "2 to 16 lower-case letters and digits, starting with a letter",
        ));
    }
    let keyed: [(&str, Vec<&String>); 9] = [
        ("services", s.services.keys().collect()),
        ("tables", s.tables.keys().collect()),
        ("buckets", s.buckets.keys().collect()),
        ("queues", s.queues.keys().collect()),
        ("topics", s.topics.keys().collect()),
        ("lambdas", s.lambdas.keys().collect()),
        ("workflows", s.workflows.keys().collect()),
        ("network.subnets", s.network.subnets.keys().collect()),
        (
            "ecr.service_repositories",
            s.ecr.service_repositories.iter().collect(),
        ),
    ];
    for (section, keys) in keyed {
        for key in keys.into_iter().filter(|k| !is_component(k)) {
            out.push(Problem::new(format!("{section}.{key}"), quoted(key), "not a valid name component", "lower-case words of letters and digits joined by single hyphens, e.g. workflow-state"));
        }
    }
    let names = Names::new(project, env);
    for key in s.buckets.keys() {
        limit(
            out,
            format!("buckets.{key}"),
            names.bucket(key).to_string(),
            63,
            "S3 bucket",
        );
    }
    for (key, queue) in &s.queues {
        limit(
            out,
            format!("queues.{key}"),
            names.dead_letter_queue(key, queue.fifo).to_string(),
            80,
            "SQS queue",
        );
    }
    for key in s.lambdas.keys() {
        limit(
            out,
            format!("lambdas.{key}"),
            names.function(key).to_string(),
            64,
            "Lambda function",
        );
    }
    for key in s.workflows.keys() {
        limit(
            out,
            format!("workflows.{key}"),
            names.state_machine(key).to_string(),
            80,
            "state machine",
        );
    }
    for (key, service) in &s.services {
        let component = service.component.as_deref().unwrap_or(key);
        if let Some(component_value) = &service.component {
            if !is_component(component_value) {
                out.push(Problem::new(
                    format!("services.{key}.component"),
                    quoted(component_value),
                    "not a valid name component",
                    "lower-case words joined by hyphens",
                ));
            }
        }
        limit(
            out,
            format!("services.{key}"),
            names.ecs_service(component),
            32,
            "ALB target group",
        );
    }
}

fn limit(out: &mut Vec<Problem>, key: String, name: String, max: usize, what: &str) {
    if name.len() > max {
        out.push(Problem::new(
            key,
            quoted(&name),
            format!("derived {what} name is {} characters long", name.len()),
            format!("at most {max} characters"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};
    use crate::{BucketSpec, TableSpec};

    #[test]
    fn rejects_keys_that_are_not_name_components() {
        let mut s = valid();
        let table: TableSpec = s.tables["health-state"].clone();
        s.tables.insert("Health_State".into(), table);
        let p = expect_problem(&s, "tables.Health_State", "not a valid name component");
        assert_eq!(p.value, "\"Health_State\"");
    }

    #[test]
    fn rejects_a_bucket_whose_derived_name_exceeds_63_characters() {
        let mut s = valid();
        let key = "a".repeat(60);
        s.buckets.insert(
            key.clone(),
            BucketSpec {
                versioning: false,
                lifecycle: vec![],
            },
        );
        let p = expect_problem(&s, &format!("buckets.{key}"), "at most 63 characters");
        assert!(
            p.message
                .contains("derived S3 bucket name is 71 characters long"),
            "{p}"
        );
    }

    #[test]
    fn rejects_a_service_component_too_long_for_an_alb_target_group() {
        let mut s = valid();
        s.services.get_mut("mlflow").expect("mlflow").component =
            Some("mlflow-tracking-server-x".into());
        expect_problem(&s, "services.mlflow", "at most 32 characters");
    }

    #[test]
    fn rejects_a_project_prefix_with_hyphens() {
        let mut s = valid();
        s.project.name = "trad-ai".into();
        expect_problem(&s, "project.name", "not a valid name prefix");
    }
}
