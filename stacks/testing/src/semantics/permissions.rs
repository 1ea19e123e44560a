//! `permissions`: every action an adapter performs (its declaration in `tradai_config::access`) on the
//! resources its compute binds it to is allowed by that compute's role, and no role of the graph is granted a
//! mutating action on `*` or on a whole account's resources, except the actions IAM gives no resource-level
//! permissions ([`UNSCOPED_WRITES`]).

use serde_json::Value;
use tradai_config::access::{Target, Use};

use super::{container_env, containers, violation, Needs};
use crate::fakes::{arn_of, fake_id, FAKE_ACCOUNT};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

/// Mutating actions IAM can only grant on `*` (the service defines no resource type for them), with who needs
/// them.
pub const UNSCOPED_WRITES: [(&str, &str); 9] = [
    ("cloudwatch:PutMetricData", "every component's metrics"),
    ("ec2:CreateNetworkInterface", "a VPC Lambda's interfaces"),
    ("ec2:DeleteNetworkInterface", "a VPC Lambda's interfaces"),
    ("ec2:AssignPrivateIpAddresses", "a VPC Lambda's interfaces"),
    (
        "ec2:UnassignPrivateIpAddresses",
        "a VPC Lambda's interfaces",
    ),
    ("logs:CreateLogDelivery", "a state machine's execution logs"),
    ("logs:UpdateLogDelivery", "a state machine's execution logs"),
    ("logs:DeleteLogDelivery", "a state machine's execution logs"),
    ("logs:PutResourcePolicy", "a state machine's execution logs"),
];

/// One `Allow` statement: its action and resource patterns.
#[derive(Debug)]
struct Statement {
    actions: Vec<String>,
    resources: Vec<String>,
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        other => other
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
    }
}

/// The `Allow` statements of one inline policy.
fn policy_statements(policy: &Planned) -> Vec<Statement> {
    let document: Value = policy.inputs["policy"]
        .as_str()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    document["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["Effect"] == "Allow")
        .map(|s| Statement {
            actions: strings(&s["Action"]),
            resources: strings(&s["Resource"]),
        })
        .collect()
}

/// IAM's wildcard match: `*` any run of characters, `?` one.
fn matches(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn allows(statements: &[Statement], action: &str, arn: &str) -> bool {
    statements.iter().any(|s| {
        s.actions
            .iter()
            .any(|a| matches(&a.to_lowercase(), &action.to_lowercase()))
            && s.resources.iter().any(|r| matches(r, arn))
    })
}

/// The `Allow` statements of every role of a graph, by role name: what the twin holds each call to.
#[derive(Debug, Default)]
pub struct RolePolicies {
    by_role: std::collections::BTreeMap<String, Vec<Statement>>,
}

impl RolePolicies {
    /// The inline policies of `graph`'s roles.
    pub fn of(graph: &[Planned]) -> RolePolicies {
        let mut by_role = std::collections::BTreeMap::<String, Vec<Statement>>::new();
        for policy in of_type(graph, "aws:iam/rolePolicy:RolePolicy") {
            let role = policy.inputs["role"].as_str().unwrap_or_default();
            by_role
                .entry(role.to_owned())
                .or_default()
                .extend(policy_statements(policy));
        }
        RolePolicies { by_role }
    }

    /// Whether role `role` (its name) is allowed `action` on `arn`: an `Allow` statement matches both (IAM's
    /// wildcards, actions case-insensitively). Conditions are not evaluated.
    pub fn allows(&self, role: &str, action: &str, arn: &str) -> bool {
        self.by_role
            .get(role)
            .is_some_and(|statements| allows(statements, action, arn))
    }

    /// Whether the graph has role `role`'s policies at all.
    pub fn knows(&self, role: &str) -> bool {
        self.by_role.contains_key(role)
    }
}

/// The planned resource a use binds: of its type, named `name` (the logical name, or the `name`/`bucket`
/// input).
fn resource<'a>(graph: &'a [Planned], bound: &Use) -> Option<&'a Planned> {
    of_type(graph, bound.resource_type).find(|r| {
        r.name == bound.name
            || r.inputs["name"].as_str() == Some(&bound.name)
            || r.inputs["bucket"].as_str() == Some(&bound.name)
    })
}

/// The ARNs an action on `target` of `resource` must be allowed on (a sample for the many-valued ones: any
/// object, execution, task or stream; each index the table declares).
fn arns(target: Target, resource: &Planned, name: &str, region: &str) -> Vec<String> {
    let at =
        |service: &str, rest: String| format!("arn:aws:{service}:{region}:{FAKE_ACCOUNT}:{rest}");
    match target {
        Target::Table => vec![at("dynamodb", format!("table/{name}"))],
        Target::Indexes => resource.inputs["globalSecondaryIndexes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["name"].as_str())
            .map(|index| at("dynamodb", format!("table/{name}/index/{index}")))
            .collect(),
        Target::Bucket => vec![format!("arn:aws:s3:::{name}")],
        Target::Objects => vec![format!("arn:aws:s3:::{name}/any/key.json")],
        Target::Queue => vec![at("sqs", name.to_owned())],
        Target::Topic => vec![at("sns", name.to_owned())],
        Target::StateMachine => vec![at("states", format!("stateMachine:{name}"))],
        Target::Executions => vec![at("states", format!("execution:{name}:any-execution"))],
        Target::Secret => vec![arn_of(resource, region)],
        Target::Tasks => vec![at("ecs", format!("task/{name}/0123456789abcdef"))],
        Target::LogStreams => vec![at(
            "logs",
            format!("log-group:{name}:log-stream:any/stream"),
        )],
        Target::RouteTable => vec![at(
            "ec2",
            format!("route-table/{}", fake_id(&resource.type_, &resource.name)),
        )],
        Target::AutoScalingGroup => vec![at(
            "autoscaling",
            format!("autoScalingGroup:any-id:autoScalingGroupName/{name}"),
        )],
        Target::Unscoped => vec!["*".to_owned()],
    }
}

/// The role name of an ARN (`arn:aws:iam::1:role/<name>`), or the value itself.
pub fn role_name(arn: &str) -> &str {
    arn.rsplit_once(":role/").map_or(arn, |(_, name)| name)
}

/// Every compute of the graph with its key (function key, or the container's `SERVICE_NAME`) and role name.
fn compute(graph: &[Planned]) -> Vec<(&Planned, String, String)> {
    let mut out = Vec::new();
    for function in of_type(graph, "aws:lambda/function:Function") {
        let key = function.inputs["environment"]["variables"]["TRADAI_HANDLER"]
            .as_str()
            .or_else(|| function.inputs["imageConfig"]["commands"][0].as_str());
        if let (Some(key), Some(role)) = (key, function.inputs["role"].as_str()) {
            out.push((function, key.to_owned(), role_name(role).to_owned()));
        }
    }
    for task in of_type(graph, "aws:ecs/taskDefinition:TaskDefinition") {
        let Some(role) = task.inputs["taskRoleArn"].as_str() else {
            continue;
        };
        for container in containers(task) {
            if let Some(key) = container_env(&container, "SERVICE_NAME") {
                out.push((task, key.to_owned(), role_name(role).to_owned()));
            }
        }
    }
    out
}

fn check_uses(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let policies = RolePolicies::of(graph);
    for (place, key, role) in compute(graph) {
        for bound in needs.access.get(&key).into_iter().flatten() {
            let Some(target) = resource(graph, bound) else {
                out.push(violation(
                    "permissions",
                    place,
                    format!(
                        "{key} runs {} on {} {}, which the graph does not create",
                        bound.access.adapter, bound.resource_type, bound.name
                    ),
                ));
                continue;
            };
            for grant in bound.access.grants {
                for arn in arns(grant.on, target, &bound.name, &needs.region) {
                    for action in grant.actions {
                        if !policies.allows(&role, action, &arn) {
                            out.push(violation(
                                "permissions",
                                place,
                                format!(
                                    "{key} runs {} on {}: its role {role} does not allow {action} on {arn}",
                                    bound.access.adapter, bound.name
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// Whether `resource` is `*` or every resource of a service in an account (`arn:aws:sqs:eu-central-1:1:*`).
fn account_wide(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    resource == "*"
        || (parts.len() == 6 && parts[5] == "*")
        || (parts.len() < 6 && resource.ends_with('*'))
}

fn check_wildcards(graph: &[Planned], out: &mut Vec<Violation>) {
    for policy in of_type(graph, "aws:iam/rolePolicy:RolePolicy") {
        let role = policy.inputs["role"].as_str().unwrap_or_default();
        for statement in policy_statements(policy) {
            let wide: Vec<&String> = statement
                .resources
                .iter()
                .filter(|r| account_wide(r))
                .collect();
            if wide.is_empty() {
                continue;
            }
            for action in &statement.actions {
                let exempt = UNSCOPED_WRITES
                    .iter()
                    .any(|(a, _)| a.eq_ignore_ascii_case(action));
                if !tradai_config::access::is_read_only(action) && !exempt {
                    out.push(violation(
                        "permissions",
                        policy,
                        format!(
                            "role {role} allows the mutating action {action} on {}: name the resources",
                            wide[0]
                        ),
                    ));
                }
            }
        }
    }
}

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    check_uses(graph, needs, out);
    check_wildcards(graph, out);
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_config::access::{self, types};

    use super::super::testing::{planned, task};
    use super::*;

    fn policy(role: &str, statements: Value) -> Planned {
        planned(
            "aws:iam/rolePolicy:RolePolicy",
            &format!("{role}-policy"),
            json!({"role": role, "policy": json!({"Version": "2012-10-17", "Statement": statements}).to_string()}),
        )
    }

    fn graph(grants: Value) -> Vec<Planned> {
        vec![
            planned(
                types::TABLE,
                "jobs",
                json!({"name": "jobs", "globalSecondaryIndexes": [{"name": "by-status"}]}),
            ),
            planned(
                "aws:lambda/function:Function",
                "fn",
                json!({"role": "arn:aws:iam::123456789012:role/fn-role",
                       "environment": {"variables": {"TRADAI_HANDLER": "update-status"}}}),
            ),
            task(
                "backend",
                json!({"name": "backend", "environment": [{"name": "SERVICE_NAME", "value": "backend-api"}]}),
            ),
            policy("fn-role", grants),
        ]
    }

    fn needs() -> Needs {
        let store = Use {
            access: &access::RECORD_STORE,
            resource_type: types::TABLE,
            name: "jobs".into(),
        };
        Needs {
            access: [("update-status".to_owned(), vec![store])].into(),
            region: "eu-central-1".into(),
            ..Needs::default()
        }
    }

    fn details(graph: &[Planned]) -> Vec<String> {
        let mut out = Vec::new();
        check(graph, &needs(), &mut out);
        out.into_iter().map(|v| v.detail).collect()
    }

    const TABLE: &str = "arn:aws:dynamodb:eu-central-1:123456789012:table/jobs";

    #[test]
    fn every_action_of_the_adapter_on_the_table_and_its_indexes_is_allowed() {
        let full = json!([{"Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
            "Resource": [TABLE, format!("{TABLE}/index/*")]}]);
        assert_eq!(details(&graph(full)), Vec::<String>::new());
    }

    #[test]
    fn a_missing_action_or_index_grant_is_reported() {
        let partial = json!([{"Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
            "Resource": [TABLE]}]);
        assert_eq!(
            details(&graph(partial)),
            [
                format!("update-status runs DynamoRecordStore on jobs: its role fn-role does not allow dynamodb:UpdateItem on {TABLE}"),
                format!("update-status runs DynamoRecordStore on jobs: its role fn-role does not allow dynamodb:Query on {TABLE}/index/by-status"),
            ]
        );
    }

    #[test]
    fn a_binding_to_a_resource_the_graph_lacks_is_reported() {
        let mut g = graph(json!([]));
        g.remove(0);
        assert_eq!(
            details(&g),
            ["update-status runs DynamoRecordStore on aws:dynamodb/table:Table jobs, which the graph does not create"]
        );
    }

    #[test]
    fn mutating_actions_on_everything_are_reported_unless_iam_requires_it() {
        let wide = json!([
            {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": ["arn:aws:sqs:eu-central-1:123456789012:*"]},
            {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData", "ec2:DescribeRouteTables"], "Resource": ["*"]}
        ]);
        let found: Vec<String> = details(&graph(wide))
            .into_iter()
            .filter(|d| d.contains("mutating"))
            .collect();
        assert_eq!(
            found,
            [
                "role fn-role allows the mutating action dynamodb:* on *: name the resources",
                "role fn-role allows the mutating action sqs:SendMessage on arn:aws:sqs:eu-central-1:123456789012:*: name the resources",
            ]
        );
    }

    #[test]
    fn iam_wildcards_match_as_iam_does() {
        assert!(matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/any/key.json"));
        assert!(matches("ecs:Describe*", "ecs:DescribeTasks"));
        assert!(matches("table/t?", "table/t1"));
        assert!(!matches("arn:aws:s3:::b", "arn:aws:s3:::b/key"));
        assert!(!matches("table/t?", "table/t"));
    }
}
