//! Compute layer, run after persistent and foundation and reading their exports through StackReferences.

use serde_json::{json, Value};
use tradai_config::{Environment, Layer, Trigger};

use crate::{config, graph, of_type, run_stack, upstream_exports};

/// 19 functions (the reference's 18 and the job sweeper) with the configured memory, timeout, image, environment, VPC placement, own role and log group.
#[tokio::test]
async fn lambdas_follow_the_config() {
    let config = config(Environment::Dev);
    let run = run_stack(Layer::Compute, Environment::Dev).await;
    let upstream = upstream_exports(Layer::Compute, Environment::Dev).await;
    let persistent = &upstream[&config.stack_reference(Layer::Persistent)];
    let functions = of_type(&run, "aws:lambda/function:Function");
    assert_eq!(functions.len(), 19);
    let roles: Vec<&str> = of_type(&run, "aws:iam/role:Role")
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    for (key, spec) in &config.settings().lambdas {
        let name = config.names().function(key).to_string();
        let f = functions
            .iter()
            .find(|f| f.inputs["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            f.inputs["memorySize"],
            json!(f64::from(spec.memory_mb)),
            "{key}"
        );
        assert_eq!(
            f.inputs["timeout"],
            json!(f64::from(spec.timeout_seconds)),
            "{key}"
        );
        assert_eq!(f.inputs["packageType"], "Image");
        let repository = persistent[format!("ecr_lambda_{}", key.replace('-', "_"))]
            .as_str()
            .expect("repository url");
        assert_eq!(
            f.inputs["imageUri"],
            format!("{repository}:latest"),
            "{key}"
        );
        let variables = f.inputs["environment"]["variables"]
            .as_object()
            .expect("variables");
        for variable in spec.env.keys() {
            assert!(variables.contains_key(variable), "{key}: {variable}");
        }
        assert_eq!(variables["ENVIRONMENT"], "dev");
        assert_eq!(f.inputs["vpcConfig"].is_object(), spec.vpc, "{key}");
        assert!(roles.contains(&config.names().resource(&format!("{key}-role")).as_str()));
        assert_eq!(
            f.inputs["loggingConfig"]["logGroup"],
            config.names().lambda_log_group(key).as_str()
        );
    }
    for group in of_type(&run, "aws:cloudwatch/logGroup:LogGroup") {
        assert_eq!(
            group.inputs["retentionInDays"],
            json!(30.0),
            "{}",
            group.name
        );
    }
}

/// SQS event sources report partial batch failures; every schedule is a rule with a target and a permission;
/// the NAT route updater hangs on foundation's launch rule in NAT-instance mode only.
#[tokio::test]
async fn triggers_follow_the_config() {
    for env in [Environment::Dev, Environment::Prod] {
        let config = config(env);
        let run = run_stack(Layer::Compute, env).await;
        let mappings = of_type(&run, "aws:lambda/eventSourceMapping:EventSourceMapping");
        let sqs = config
            .settings()
            .lambdas
            .values()
            .flat_map(|l| &l.triggers)
            .filter(|t| matches!(t, Trigger::Sqs { .. }))
            .count();
        assert_eq!(mappings.len(), sqs);
        for mapping in &mappings {
            assert_eq!(
                mapping.inputs["functionResponseTypes"],
                json!(["ReportBatchItemFailures"])
            );
        }
        let mut schedules: Vec<String> = of_type(&run, "aws:cloudwatch/eventRule:EventRule")
            .iter()
            .map(|r| {
                r.inputs["scheduleExpression"]
                    .as_str()
                    .expect("schedule")
                    .to_owned()
            })
            .collect();
        let mut expected: Vec<String> = config
            .lambda_schedules()
            .iter()
            .map(|(_, s)| s.to_string())
            .collect();
        schedules.sort();
        expected.sort();
        assert_eq!(schedules, expected, "{env}");
        let targets = of_type(&run, "aws:cloudwatch/eventTarget:EventTarget");
        let nat = targets
            .iter()
            .any(|t| t.inputs["rule"] == format!("tradai-nat-launch-{env}"));
        assert_eq!(nat, env == Environment::Dev, "{env}: NAT launch target");
        assert_eq!(targets.len(), expected.len() + usize::from(nat));
    }
}

/// Task definitions for the SERVICES table, ECS services for the always-on ones; dev runs them on the
/// consolidated host (host networking, IMDSv2), prod on Fargate Spot with their own interfaces.
#[tokio::test]
async fn services_follow_the_services_table() {
    for env in [Environment::Dev, Environment::Prod] {
        let config = config(env);
        let run = run_stack(Layer::Compute, env).await;
        let tasks = of_type(&run, "aws:ecs/taskDefinition:TaskDefinition");
        // One per service whose image the pipeline builds (live and dry-run trading have none yet).
        let built = config
            .settings()
            .services
            .values()
            .filter(|s| s.build.is_some())
            .count();
        assert_eq!(tasks.len(), built);
        assert!(tasks
            .iter()
            .all(|t| !t.name.contains("live-trading") && !t.name.contains("dry-run-trading")));
        let services = of_type(&run, "aws:ecs/service:Service");
        assert_eq!(services.len(), 4, "{env}");
        let backend = services
            .iter()
            .find(|s| s.inputs["name"] == format!("tradai-backend-{env}"))
            .expect("backend");
        let desired = config.settings().services["backend-api"].desired_count;
        assert_eq!(backend.inputs["desiredCount"], json!(f64::from(desired)));
        let backend_task = tasks
            .iter()
            .find(|t| t.inputs["family"] == format!("tradai-backend-{env}"))
            .expect("task");
        let containers: Value = serde_json::from_str(
            backend_task.inputs["containerDefinitions"]
                .as_str()
                .expect("json"),
        )
        .expect("containers");
        assert_eq!(containers[0]["portMappings"][0]["containerPort"], 8000);
        assert_eq!(containers[0]["memory"], 1024);
        // The distroless image probes itself; the deployed service runs on the AWS adapters.
        assert_eq!(
            containers[0]["healthCheck"]["command"],
            json!(["CMD", "/usr/local/bin/app", "--health-check"])
        );
        assert!(containers[0]["environment"]
            .as_array()
            .expect("environment")
            .contains(&json!({"name": "SERVICE_ADAPTERS", "value": "aws"})));
        let host = of_type(&run, "aws:ecs/capacityProvider:CapacityProvider");
        // On the host ECS places by the containers' reservations; Fargate sizes the task.
        let task_memory = if env != Environment::Prod {
            (Value::Null, json!(256))
        } else {
            (json!("1024"), Value::Null)
        };
        assert_eq!(
            (
                backend_task.inputs["cpu"].clone(),
                (
                    backend_task.inputs["memory"].clone(),
                    containers[0]["memoryReservation"].clone()
                )
            ),
            (json!("512"), task_memory)
        );
        if env == Environment::Dev {
            assert_eq!(backend_task.inputs["networkMode"], "host");
            assert_eq!(host.len(), 1);
            let template = of_type(&run, "aws:ec2/launchTemplate:LaunchTemplate");
            assert_eq!(template[0].inputs["instanceType"], "t3.small");
            assert_eq!(
                template[0].inputs["metadataOptions"]["httpTokens"],
                "required"
            );
        } else {
            assert_eq!(backend_task.inputs["networkMode"], "awsvpc");
            assert!(host.is_empty());
            assert_eq!(
                backend.inputs["capacityProviderStrategies"][0]["capacityProvider"],
                "FARGATE_SPOT"
            );
        }
        // MLflow authenticates nobody, so it has no target group: only the platform reaches it (W20).
        let groups = of_type(&run, "aws:lb/targetGroup:TargetGroup");
        assert!(groups
            .iter()
            .all(|g| g.inputs["name"] != format!("tradai-mlflow-{env}")));
        assert_eq!(groups.len(), 3);
    }
}

/// HTTP redirects to HTTPS; HTTPS carries the ACM certificate and a rule per service with its paths.
#[tokio::test]
async fn the_alb_routes_each_service_by_path() {
    let config = config(Environment::Staging);
    let run = run_stack(Layer::Compute, Environment::Staging).await;
    let listeners = of_type(&run, "aws:lb/listener:Listener");
    let http = listeners
        .iter()
        .find(|l| l.inputs["port"] == json!(80.0))
        .expect("http");
    assert_eq!(
        http.inputs["defaultActions"][0]["redirect"]["protocol"],
        "HTTPS"
    );
    let https = listeners
        .iter()
        .find(|l| l.inputs["port"] == json!(443.0))
        .expect("https");
    assert_eq!(
        https.inputs["sslPolicy"],
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    );
    let certificate = of_type(&run, "aws:acm/certificate:Certificate");
    assert_eq!(
        certificate[0].inputs["domainName"],
        "api.staging.tradai.example.com"
    );
    let rules = of_type(&run, "aws:lb/listenerRule:ListenerRule");
    for (key, service) in &config.settings().services {
        if service.alb_paths.is_empty() {
            continue;
        }
        let component = config.service_component(key).expect("service");
        let rule = rules
            .iter()
            .find(|r| r.name == format!("tradai-{component}-staging-rule-0"))
            .unwrap_or_else(|| panic!("{key}"));
        assert_eq!(
            rule.inputs["conditions"][0]["pathPattern"]["values"],
            json!(service.alb_paths),
            "{key}"
        );
    }
}

/// Every workflow is a STANDARD state machine whose definition calls this stack's functions.
#[tokio::test]
async fn state_machines_embed_the_workflow_definitions() {
    let config = config(Environment::Dev);
    let run = run_stack(Layer::Compute, Environment::Dev).await;
    let machines = of_type(&run, "aws:sfn/stateMachine:StateMachine");
    assert_eq!(machines.len(), 3);
    for machine in machines {
        assert_eq!(machine.inputs["type"], "STANDARD");
        let definition: Value =
            serde_json::from_str(machine.inputs["definition"].as_str().expect("definition"))
                .expect("json");
        let key = ["backtest", "retraining", "hyperopt"]
            .into_iter()
            .find(|k| machine.name.contains(k))
            .expect("a workflow of the config");
        assert_eq!(
            definition["TimeoutSeconds"],
            json!(config.settings().workflows[key].timeout_seconds + 900)
        );
        for state in definition["States"].as_object().expect("states").values() {
            if let Some(function) = state["Parameters"]["FunctionName"].as_str() {
                assert!(function.starts_with("arn:aws:lambda:"), "{function}");
                assert!(
                    function.contains("tradai-") && function.ends_with("-dev"),
                    "{function}"
                );
            }
        }
        assert!(machine.inputs["loggingConfiguration"]["logDestination"]
            .as_str()
            .is_some_and(|d| d.ends_with(":*")));
    }
}

/// The hyperopt workflow's role may start and watch its own child executions (the distributed Map) and read
/// its items and write its results in the results bucket, and nothing broader.
#[tokio::test]
async fn the_hyperopt_role_runs_its_map_on_its_own_executions_and_the_results_bucket() {
    let run = run_stack(Layer::Compute, Environment::Dev).await;
    let policy = of_type(&run, "aws:iam/rolePolicy:RolePolicy")
        .into_iter()
        .find(|p| p.name == "tradai-hyperopt-workflow-role-dev-policy")
        .expect("the hyperopt role's policy");
    let document: Value =
        serde_json::from_str(policy.inputs["policy"].as_str().expect("policy")).expect("json");
    let grants = |action: &str| -> Vec<String> {
        document["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .filter(|s| {
                s["Action"]
                    .as_array()
                    .is_some_and(|a| a.contains(&json!(action)))
            })
            .flat_map(|s| s["Resource"].as_array().cloned().unwrap_or_default())
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        grants("states:StartExecution"),
        ["arn:aws:states:eu-central-1:123456789012:stateMachine:tradai-hyperopt-workflow-dev"]
    );
    assert_eq!(
        grants("states:DescribeExecution"),
        ["arn:aws:states:eu-central-1:123456789012:execution:tradai-hyperopt-workflow-dev:*"]
    );
    assert_eq!(
        grants("s3:GetObject"),
        ["arn:aws:s3:::tradai-results-dev/*"]
    );
    assert_eq!(
        grants("s3:PutObject"),
        ["arn:aws:s3:::tradai-results-dev/*"]
    );
}

/// The compute graph of every environment, pinned.
#[tokio::test]
async fn resource_graph_snapshots() {
    for env in Environment::ALL {
        let run = run_stack(Layer::Compute, env).await;
        insta::assert_json_snapshot!(format!("compute_{env}"), graph(&run));
    }
}

/// The layer exports exactly the keys of `ComputeOutputs`.
#[tokio::test]
async fn exports_are_the_typed_outputs() {
    let config = config(Environment::Dev);
    let run = run_stack(Layer::Compute, Environment::Dev).await;
    let mut exported: Vec<String> = run.recording.exports.keys().cloned().collect();
    let mut expected = tradai_stack_kit::ComputeOutputs::keys(&config);
    exported.sort();
    expected.sort();
    assert_eq!(exported, expected);
}
