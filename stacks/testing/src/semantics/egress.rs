//! `private-egress`: the route table of every subnet that runs compute (ECS services, the ECS host, functions
//! in the VPC) has a default route from the first deploy, or else a VPC endpoint for every AWS API that
//! compute's roles call. A default route is either planned (`0.0.0.0/0` to a NAT gateway, instance or
//! interface) or written by the NAT-instance route function, which then must be invoked on deploy (the group's
//! first instance launches before the function exists) and whose group must hold every launch, the first
//! included, with a launching hook declared on the group itself (decision W29).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::violation;
use crate::fakes::fake_id;
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

const RULE: &str = "private-egress";
const LAUNCHING: &str = "autoscaling:EC2_INSTANCE_LAUNCHING";

/// The endpoint services (`com.amazonaws.<region>.<name>`) an IAM action prefix calls.
fn endpoint_services(prefix: &str) -> &'static [&'static str] {
    match prefix {
        "ecr" => &["ecr.api", "ecr.dkr"],
        "cloudwatch" => &["monitoring"],
        "logs" => &["logs"],
        "dynamodb" => &["dynamodb"],
        "s3" => &["s3"],
        "sqs" => &["sqs"],
        "sns" => &["sns"],
        "states" => &["states"],
        "ecs" => &["ecs"],
        "secretsmanager" => &["secretsmanager"],
        "sts" => &["sts"],
        "ec2" => &["ec2"],
        "autoscaling" => &["autoscaling"],
        "servicediscovery" => &["servicediscovery"],
        "events" => &["events"],
        "lambda" => &["lambda"],
        "kms" => &["kms"],
        "ssm" => &["ssm"],
        "cognito-idp" => &["cognito-idp"],
        "acm" => &["acm"],
        "apigateway" => &["apigateway"],
        "cloudtrail" => &["cloudtrail"],
        "elasticloadbalancing" => &["elasticloadbalancing"],
        "rds" => &["rds"],
        // Not calls from the subnet: passing a role, or actions without an API of their own.
        "iam" => &[],
        _ => &["(no endpoint known)"],
    }
}

/// The subnets each compute resource runs in.
fn compute_subnets(graph: &[Planned]) -> Vec<(&Planned, Vec<String>)> {
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let mut out = Vec::new();
    for service in of_type(graph, "aws:ecs/service:Service") {
        out.push((
            service,
            strings(&service.inputs["networkConfiguration"]["subnets"]),
        ));
    }
    for function in of_type(graph, "aws:lambda/function:Function") {
        out.push((
            function,
            strings(&function.inputs["vpcConfig"]["subnetIds"]),
        ));
    }
    for group in of_type(graph, "aws:autoscaling/group:Group") {
        out.push((group, strings(&group.inputs["vpcZoneIdentifiers"])));
    }
    out.retain(|(_, subnets)| !subnets.is_empty());
    out
}

/// The route table of each subnet (by the subnet's id).
fn table_of_subnet(graph: &[Planned]) -> BTreeMap<String, String> {
    of_type(graph, "aws:ec2/routeTableAssociation:RouteTableAssociation")
        .filter_map(|a| {
            Some((
                a.inputs["subnetId"].as_str()?.to_owned(),
                a.inputs["routeTableId"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Whether `table` has a planned `0.0.0.0/0` route.
fn planned_default_route(graph: &[Planned], table: &str) -> bool {
    of_type(graph, "aws:ec2/route:Route").any(|r| {
        r.inputs["routeTableId"] == table && r.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    })
}

/// Why the route function that writes `table`'s default route does not give one from the first deploy;
/// `None` when it does, `Some(None)` when no function writes it.
fn written_route_gap(graph: &[Planned], table: &str) -> Option<Option<String>> {
    let writer = of_type(graph, "aws:lambda/function:Function").find(|f| {
        f.inputs["environment"]["variables"]
            .as_object()
            .is_some_and(|vars| {
                vars.values()
                    .filter_map(Value::as_str)
                    .any(|v| v.split(',').any(|id| id.trim() == table))
            })
    })?;
    let name = writer.inputs["name"].as_str().unwrap_or_default();
    let Some(invocation) = of_type(graph, "aws:lambda/invocation:Invocation")
        .find(|i| i.inputs["functionName"] == name)
    else {
        return Some(Some(format!(
            "{name} writes the route only when a launch event reaches it, and the group's first instance \
             launches before the function exists: nothing invokes it on deploy"
        )));
    };
    let input: Value = invocation.inputs["input"]
        .as_str()
        .and_then(|i| serde_json::from_str(i).ok())
        .unwrap_or_default();
    let group_name = input["AutoScalingGroupName"].as_str().unwrap_or_default();
    let Some(group) =
        of_type(graph, "aws:autoscaling/group:Group").find(|g| g.inputs["name"] == group_name)
    else {
        return Some(Some(format!(
            "{} invokes {name} for group '{group_name}', which is not in the graph",
            invocation.name
        )));
    };
    let holds_launches = group.inputs["initialLifecycleHooks"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|h| h["lifecycleTransition"] == LAUNCHING);
    if !holds_launches {
        return Some(Some(format!(
            "group {group_name} declares no initial {LAUNCHING} hook, so a launch (the first one included) \
             serves before its route is written"
        )));
    }
    None
}

/// The endpoint services of the VPC's endpoints.
fn endpoints(graph: &[Planned]) -> BTreeSet<String> {
    of_type(graph, "aws:ec2/vpcEndpoint:VpcEndpoint")
        .filter_map(|e| e.inputs["serviceName"].as_str())
        .filter_map(|s| s.splitn(4, '.').nth(3).map(str::to_owned))
        .collect()
}

/// The endpoint services the roles of compute call (the action prefixes of their policies).
fn called_services(graph: &[Planned]) -> BTreeSet<&'static str> {
    let principals = [
        "ecs-tasks.amazonaws.com",
        "lambda.amazonaws.com",
        "ec2.amazonaws.com",
    ];
    let roles: BTreeSet<&str> = of_type(graph, "aws:iam/role:Role")
        .filter(|r| {
            let trust = r.inputs["assumeRolePolicy"].as_str().unwrap_or_default();
            principals.iter().any(|p| trust.contains(p))
        })
        .filter_map(|r| r.inputs["name"].as_str())
        .collect();
    let mut out = BTreeSet::new();
    for policy in of_type(graph, "aws:iam/rolePolicy:RolePolicy")
        .filter(|p| p.inputs["role"].as_str().is_some_and(|r| roles.contains(r)))
    {
        let document: Value = policy.inputs["policy"]
            .as_str()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        for statement in document["Statement"].as_array().into_iter().flatten() {
            let actions = match &statement["Action"] {
                Value::String(a) => vec![a.clone()],
                other => other
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
            };
            for action in actions {
                let prefix = action.split(':').next().unwrap_or_default();
                out.extend(endpoint_services(prefix));
            }
        }
    }
    out
}

pub(super) fn check(graph: &[Planned], out: &mut Vec<Violation>) {
    let tables = table_of_subnet(graph);
    let endpoints = endpoints(graph);
    let called = called_services(graph);
    let mut checked = BTreeSet::new();
    for (compute, subnets) in compute_subnets(graph) {
        for subnet in subnets {
            let Some(table) = tables.get(&subnet) else {
                continue;
            };
            if !checked.insert(table.clone()) || planned_default_route(graph, table) {
                continue;
            }
            let table_resource = of_type(graph, "aws:ec2/routeTable:RouteTable")
                .find(|t| fake_id(&t.type_, &t.name) == *table);
            let at = table_resource.unwrap_or(compute);
            let gap = match written_route_gap(graph, table) {
                None => continue,
                Some(Some(gap)) => gap,
                Some(None) => {
                    "no 0.0.0.0/0 route is planned and no route function writes one".to_owned()
                }
            };
            let missing: Vec<&str> = called
                .iter()
                .copied()
                .filter(|s| !endpoints.contains(*s))
                .collect();
            if missing.is_empty() {
                continue;
            }
            out.push(violation(
                RULE,
                at,
                format!(
                    "{} runs in subnet {subnet} (route table {table}): {gap}; and these APIs its roles call \
                     have no VPC endpoint: {}",
                    compute.name,
                    missing.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::planned;
    use super::*;

    /// A private table with one subnet, a VPC function in it whose role reads a table and writes logs, and
    /// the NAT-instance route function with what it needs: the invocation, the group and its initial hook.
    fn graph() -> Vec<Planned> {
        let table = fake_id("aws:ec2/routeTable:RouteTable", "private");
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "logs:PutLogEvents"], "Resource": ["*"]}]});
        vec![
            planned("aws:ec2/routeTable:RouteTable", "private", json!({})),
            planned(
                "aws:ec2/routeTableAssociation:RouteTableAssociation",
                "private-1",
                json!({"subnetId": "subnet-1", "routeTableId": table}),
            ),
            planned(
                "aws:lambda/function:Function",
                "health",
                json!({"name": "health", "vpcConfig": {"subnetIds": ["subnet-1"]}}),
            ),
            planned(
                "aws:iam/role:Role",
                "health-role",
                json!({"name": "health-role", "assumeRolePolicy": "{\"Principal\":{\"Service\":\"lambda.amazonaws.com\"}}"}),
            ),
            planned(
                "aws:iam/rolePolicy:RolePolicy",
                "health-role-policy",
                json!({"role": "health-role", "policy": policy.to_string()}),
            ),
            planned(
                "aws:lambda/function:Function",
                "nat-routes",
                json!({"name": "nat-routes", "environment": {"variables": {"PRIVATE_ROUTE_TABLE_ID": table}}}),
            ),
            planned(
                "aws:lambda/invocation:Invocation",
                "nat-routes-reconcile",
                json!({"functionName": "nat-routes", "input": "{\"AutoScalingGroupName\":\"nat\"}"}),
            ),
            planned(
                "aws:autoscaling/group:Group",
                "nat",
                json!({"name": "nat", "initialLifecycleHooks": [{"name": "launching", "lifecycleTransition": LAUNCHING}]}),
            ),
        ]
    }

    fn violations(graph: &[Planned]) -> Vec<String> {
        let mut out = Vec::new();
        check(graph, &mut out);
        out.into_iter().map(|v| v.detail).collect()
    }

    fn without(graph: Vec<Planned>, type_: &str) -> Vec<Planned> {
        graph.into_iter().filter(|r| r.type_ != type_).collect()
    }

    #[test]
    fn a_route_written_by_the_reconciled_nat_function_is_enough() {
        assert!(
            violations(&graph()).is_empty(),
            "{:?}",
            violations(&graph())
        );
    }

    #[test]
    fn a_route_function_nothing_invokes_on_deploy_leaves_no_route_after_the_first_deploy() {
        let found = violations(&without(graph(), "aws:lambda/invocation:Invocation"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("nothing invokes it on deploy"),
            "{found:?}"
        );
        assert!(
            found[0].contains("no VPC endpoint: dynamodb, logs"),
            "{found:?}"
        );
    }

    #[test]
    fn a_hook_created_after_the_group_is_reported() {
        let mut graph = graph();
        for r in &mut graph {
            if r.type_ == "aws:autoscaling/group:Group" {
                r.inputs["initialLifecycleHooks"] = json!([]);
            }
        }
        let found = violations(&graph);
        assert!(
            found[0].contains("declares no initial autoscaling:EC2_INSTANCE_LAUNCHING hook"),
            "{found:?}"
        );
    }

    #[test]
    fn endpoints_for_every_called_api_or_a_planned_route_suffice() {
        let mut bare = without(graph(), "aws:lambda/invocation:Invocation");
        for service in ["dynamodb", "logs"] {
            bare.push(planned(
                "aws:ec2/vpcEndpoint:VpcEndpoint",
                service,
                json!({"serviceName": format!("com.amazonaws.eu-central-1.{service}")}),
            ));
        }
        assert!(violations(&bare).is_empty(), "{:?}", violations(&bare));
        let mut routed = without(graph(), "aws:lambda/invocation:Invocation");
        routed.push(planned(
            "aws:ec2/route:Route",
            "private-default",
            json!({"routeTableId": fake_id("aws:ec2/routeTable:RouteTable", "private"),
                   "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}),
        ));
        assert!(violations(&routed).is_empty(), "{:?}", violations(&routed));
    }
}
