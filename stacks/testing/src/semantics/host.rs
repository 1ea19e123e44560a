//! `host-memory`: the always-on services placed on the ECS host fit its memory. ECS places a task by its
//! task-level memory, or else by its containers' reservations (`memoryReservation`, else the hard `memory`);
//! the agent and the operating system keep [`HOST_RESERVED_MIB`] of the instance (decision W21).

use std::collections::BTreeMap;

use super::{containers, violation};
use crate::fakes::fake_id;
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

/// What the OS and the ECS agent keep on an instance (ECS registers less than the instance's memory).
pub const HOST_RESERVED_MIB: u64 = 256;

/// The memory of the instance types the config may choose for the ECS host, in MiB.
pub fn instance_memory_mib(instance_type: &str) -> Option<u64> {
    let size = instance_type.split_once('.')?.1;
    let family = instance_type.split_once('.')?.0;
    let burstable = matches!(family, "t3" | "t3a" | "t4g");
    let general = matches!(family, "m5" | "m6i" | "m6g" | "m7g" | "m7i");
    Some(match size {
        "nano" if burstable => 512,
        "micro" if burstable => 1024,
        "small" if burstable => 2048,
        "medium" if burstable => 4096,
        "large" if burstable || general => 8192,
        "xlarge" if burstable || general => 16384,
        "2xlarge" if burstable || general => 32768,
        _ => return None,
    })
}

/// What ECS reserves for one task of `task` on an instance.
fn placement_mib(task: &Planned) -> u64 {
    if let Some(memory) = task.inputs["memory"].as_str().and_then(|m| m.parse().ok()) {
        return memory;
    }
    containers(task)
        .iter()
        .map(|c| {
            c["memoryReservation"]
                .as_u64()
                .or(c["memory"].as_u64())
                .unwrap_or(0)
        })
        .sum()
}

pub(super) fn check(graph: &[Planned], out: &mut Vec<Violation>) {
    let Some(template) = of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate").find(|t| {
        t.inputs["userData"]
            .as_str()
            .and_then(decode)
            .is_some_and(|u| u.contains("ECS_CLUSTER="))
    }) else {
        return;
    };
    let instance_type = template.inputs["instanceType"].as_str().unwrap_or_default();
    let Some(memory) = instance_memory_mib(instance_type) else {
        out.push(violation(
            "host-memory",
            template,
            format!("unknown instance type {instance_type}: its memory is not in the table of the check"),
        ));
        return;
    };
    // The group launching this template (the graph links them by the template's id, as the policy checks do).
    let template_id = fake_id(&template.type_, &template.name);
    let instances = of_type(graph, "aws:autoscaling/group:Group")
        .find(|g| g.inputs["launchTemplate"]["id"] == template_id.as_str())
        .and_then(|g| g.inputs["maxSize"].as_f64())
        .unwrap_or(1.0) as u64;
    let tasks: BTreeMap<&str, &Planned> = of_type(graph, "aws:ecs/taskDefinition:TaskDefinition")
        .filter(|t| {
            t.inputs["requiresCompatibilities"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c == "EC2"))
        })
        .filter_map(|t| Some((t.inputs["family"].as_str()?, t)))
        .collect();
    let mut placed = Vec::new();
    for service in of_type(graph, "aws:ecs/service:Service") {
        let family = service.inputs["taskDefinition"]
            .as_str()
            .unwrap_or_default();
        let family = family.rsplit('/').next().unwrap_or(family);
        if let Some(task) = tasks.get(family) {
            let count = service.inputs["desiredCount"].as_f64().unwrap_or(1.0) as u64;
            placed.push((family, count * placement_mib(task)));
        }
    }
    let needed: u64 = placed.iter().map(|(_, m)| m).sum();
    let available = instances * memory.saturating_sub(HOST_RESERVED_MIB);
    if needed > available {
        let list: Vec<String> = placed.iter().map(|(f, m)| format!("{f} {m} MiB")).collect();
        out.push(violation(
            "host-memory",
            template,
            format!(
                "the host's services reserve {needed} MiB ({}) but {instances} × {instance_type} offers {available} MiB \
                 ({memory} MiB less {HOST_RESERVED_MIB} for the OS and agent)",
                list.join(", ")
            ),
        ));
    }
}

/// Base64 user data as text.
fn decode(text: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::json;

    use super::super::testing::planned;
    use super::*;

    fn graph(reservations: [u64; 2]) -> Vec<Planned> {
        let user_data =
            base64::engine::general_purpose::STANDARD.encode("ECS_CLUSTER=tradai-dev\n");
        let task = |family: &str, reservation: u64| {
            planned(
                "aws:ecs/taskDefinition:TaskDefinition",
                family,
                json!({"family": family, "requiresCompatibilities": ["EC2"],
                       "containerDefinitions": json!([{"memory": 1024, "memoryReservation": reservation}]).to_string()}),
            )
        };
        let service = |family: &str| {
            planned(
                "aws:ecs/service:Service",
                family,
                json!({"taskDefinition": format!("arn:aws:ecs:eu-central-1:1:taskdefinition/{family}"), "desiredCount": 1}),
            )
        };
        vec![
            planned(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "host-lt-dev",
                json!({"instanceType": "t3.small", "userData": user_data}),
            ),
            planned(
                "aws:autoscaling/group:Group",
                "host-dev",
                json!({"maxSize": 1, "launchTemplate": {"id": fake_id("aws:ec2/launchTemplate:LaunchTemplate", "host-lt-dev")}}),
            ),
            task("a", reservations[0]),
            task("b", reservations[1]),
            service("a"),
            service("b"),
        ]
    }

    #[test]
    fn reservations_beyond_the_host_s_memory_are_reported() {
        let mut out = Vec::new();
        check(&graph([896, 896]), &mut out);
        assert_eq!(out, Vec::new());
        check(&graph([1024, 1024]), &mut out);
        assert_eq!(
            out.iter().map(|v| v.detail.as_str()).collect::<Vec<_>>(),
            ["the host's services reserve 2048 MiB (a 1024 MiB, b 1024 MiB) but 1 × t3.small offers 1792 MiB (2048 MiB less 256 for the OS and agent)"]
        );
        // Two instances of the template's group hold both.
        let mut two = graph([1024, 1024]);
        two[1].inputs["maxSize"] = json!(2);
        let mut out = Vec::new();
        check(&two, &mut out);
        assert_eq!(out, Vec::new());
        assert_eq!(instance_memory_mib("t4g.nano"), Some(512));
        assert_eq!(instance_memory_mib("x9.huge"), None);
    }
}
