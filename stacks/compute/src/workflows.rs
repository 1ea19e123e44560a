//! The Step Functions state machines (reference §11), their definitions from `tradai-workflows` with this
//! deployment's ARNs, one role each granting what the definition calls, and log groups.

use std::collections::BTreeMap;
use std::sync::Arc;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer, ServiceKind, WorkflowKind};
use tradai_pulumi_aws::sfn;
use tradai_pulumi_aws::types::sfn as sfn_types;
use tradai_stack_kit::{collect, log_group, tags, Known, PolicyBuilder};
use tradai_workflows::{definition, Capacity, StateMachine, Targets};

use crate::access::Arns;
use crate::functions::Function;
use crate::roles::role;

/// The targets of the workflows: function ARNs by key, the cluster, the private network.
fn targets(config: &Config, known: &Known, functions: &BTreeMap<String, String>) -> Targets {
    let names = config.names();
    let strategy = config
        .settings()
        .services
        .iter()
        .find(|(_, s)| s.kind == ServiceKind::OnDemand);
    let (component, spot) = strategy
        .map(|(key, spec)| (config.service_component(key).unwrap_or(key), spec.spot))
        .unwrap_or(("strategy-generic", true));
    Targets {
        functions: functions.clone(),
        cluster: Arns { config, known }.cluster(),
        strategy_task_definition: names.ecs_service(component),
        container_name: "strategy".into(),
        subnets: known.foundation.private_subnet_ids.clone(),
        security_groups: vec![known.foundation.security_groups.ecs.as_str().to_owned()],
        capacity: if spot {
            Capacity::FargateSpot
        } else {
            Capacity::Fargate
        },
        retraining_table: known.table("retraining-state").to_owned(),
        results_bucket: known.bucket("results").to_owned(),
    }
}

/// The definition of workflow `key` with deployed ARNs.
fn machine(
    config: &Config,
    known: &Known,
    functions: &BTreeMap<String, String>,
    key: &str,
) -> StateMachine {
    let spec = &config.settings().workflows[key];
    let machine = definition(key, spec, &targets(config, known, functions))
        .unwrap_or_else(|| panic!("workflow {key} has no definition in tradai-workflows"));
    let problems = tradai_workflows::validate(&machine);
    assert!(problems.is_empty(), "workflow {key}: {problems:?}");
    machine
}

/// What a workflow's role may do: invoke its functions, run and stop strategy tasks (and the managed rule
/// `.sync` uses), pass the task roles, update its table, deliver logs; and for a distributed Map, start and
/// watch its own child executions and read its items and write its results in the buckets it names.
fn policy(
    config: &Config,
    known: &Known,
    key: &str,
    machine: &StateMachine,
) -> Result<String, tradai_stack_kit::WildcardPolicy> {
    let arns = Arns { config, known };
    let mut policy = PolicyBuilder::new()
        .allow(
            &["lambda:InvokeFunction"],
            &machine.parameter_values("FunctionName"),
        )
        .allow(
            &[
                "logs:CreateLogDelivery",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ],
            &["*"],
        );
    let integrations = machine.integrations();
    if integrations.iter().any(|i| i.contains(":ecs:")) {
        policy = arns.run_strategy_tasks(policy).allow(
            &["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            &[arns.events_rule("StepFunctionsGetEventsForECSTaskRule")],
        );
    }
    let tables: Vec<String> = machine
        .parameter_values("TableName")
        .iter()
        .map(|name| arns.table_named(name))
        .collect();
    if !tables.is_empty() {
        policy = policy.allow(&["dynamodb:UpdateItem"], &tables);
    }
    if machine.starts_children() {
        policy = policy
            .allow(&["states:StartExecution"], &[arns.state_machine(key)])
            .allow(
                &["states:DescribeExecution", "states:StopExecution"],
                &[arns.executions(key)],
            );
    }
    let objects: Vec<String> = machine
        .parameter_values("Bucket")
        .iter()
        .map(|bucket| format!("arn:aws:s3:::{bucket}/*"))
        .collect();
    if !objects.is_empty() {
        policy = policy.allow(
            &[
                "s3:GetObject",
                "s3:PutObject",
                "s3:ListMultipartUploadParts",
                "s3:AbortMultipartUpload",
            ],
            &objects,
        );
    }
    policy.build()
}

/// Create the state machines; their ARNs by workflow key.
pub fn workflows(
    ctx: &Context,
    config: &Arc<Config>,
    known: &Output<Known>,
    functions: &BTreeMap<String, Function>,
) -> BTreeMap<String, Output<String>> {
    let names = config.names();
    let keys: Vec<String> = functions.keys().cloned().collect();
    let arns: Vec<Output<String>> = functions.values().map(|f| f.arn.clone()).collect();
    let function_arns = collect(ctx, &arns)
        .map(move |arns: Vec<String>| keys.iter().cloned().zip(arns).collect::<BTreeMap<_, _>>());
    let mut machines = BTreeMap::new();
    for (key, spec) in &config.settings().workflows {
        let inputs = pulumi_gestalt_rust::pulumi_combine!(known.clone(), function_arns.clone());
        let document = {
            let config = Arc::clone(config);
            let key = key.clone();
            inputs.map(
                move |(known, functions): (Known, BTreeMap<String, String>)| {
                    machine(&config, &known, &functions, &key)
                        .to_json()
                        .to_string()
                },
            )
        };
        let execution = {
            let key = key.clone();
            role(
                ctx,
                config,
                known,
                &format!("{key}-workflow-role"),
                "states.amazonaws.com",
                move |config, known| {
                    // The functions' ARNs follow from their names, so the policy needs no created outputs.
                    let arns = Arns { config, known };
                    let functions: BTreeMap<String, String> = config
                        .settings()
                        .lambdas
                        .keys()
                        .map(|k| (k.clone(), arns.function(k)))
                        .collect();
                    policy(
                        config,
                        known,
                        &key,
                        &machine(config, known, &functions, &key),
                    )
                },
            )
        };
        let logs = log_group(
            ctx,
            config,
            Layer::Compute,
            &names.workflow_log_group(key),
            &format!("workflow-{key}"),
        )
        .arn;
        let name = names.state_machine(key).to_string();
        let log_arn = logs.map(|arn| {
            sfn_types::StateMachineLoggingConfiguration::builder()
                .level("ERROR")
                .include_execution_data(true)
                .log_destination(format!("{arn}:*"))
                .build_struct()
        });
        let machine = sfn::state_machine::create(
            ctx,
            &name,
            sfn::state_machine::StateMachineArgs::builder()
                .name(name.clone())
                .type_(match spec.kind {
                    WorkflowKind::Standard => "STANDARD",
                    WorkflowKind::Express => "EXPRESS",
                })
                .definition(document)
                .role_arn(execution.arn)
                .logging_configuration(log_arn)
                .tags(tags(config, Layer::Compute, &format!("workflow-{key}")))
                .build_struct(),
        );
        machines.insert(key.clone(), machine.arn);
    }
    machines
}
