//! The planned state machines' executions, run by the local ASL interpreter over the twin's processes. The
//! definitions are the planned documents themselves (`StateMachine::from_json`). An execution starts on the
//! emulator, as the backtest consumer or a schedule starts it, and the twin picks it up from there.
//! `lambda:invoke` calls the function's process by the ARN the definition names. `ecs:runTask.sync` starts
//! the planned task definition's container as a process, with the call's container overrides, and waits for
//! it to exit. `dynamodb:updateItem` updates the emulator's table with the definition's expression. Anything
//! else fails the task as `States.Runtime`, naming it.
//!
//! The emulator cannot be told how an execution ended. A finished one is stopped there: ABORTED, with its real
//! outcome as the error and cause (decision W43). The twin prints each outcome on its output.

use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_lambdas::runtime_api::Outcome;
use tradai_workflows::local::{update_item, Integrations, Interpreter, TaskFailure};
use tradai_workflows::{StateMachine, DYNAMODB_UPDATE_ITEM, ECS_RUN_TASK_SYNC, LAMBDA_INVOKE};

use super::compute;
use super::lambda::Lambda;
use super::plane::Plane;
use super::provision::STATE_MACHINE;
use super::processes::{self, Program};


/// What answers the planned definitions' tasks in the twin.
#[derive(Debug)]
pub struct TwinIntegrations {
    pub plane: Arc<Plane>,
    pub lambdas: Vec<Arc<Lambda>>,
}

fn runtime(cause: String) -> TaskFailure {
    TaskFailure {
        error: "States.Runtime".into(),
        cause,
    }
}

impl TwinIntegrations {
    async fn invoke(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let named = parameters["FunctionName"].as_str().unwrap_or_default();
        let lambda = self
            .lambdas
            .iter()
            .find(|l| l.function.answers_to(&self.plane.graph, named))
            .ok_or_else(|| runtime(format!("lambda:invoke: no planned function is {named}")))?;
        match lambda.invoke(parameters["Payload"].clone()).await {
            Ok(Outcome::Response(payload)) => Ok(json!({"Payload": payload, "StatusCode": 200})),
            Ok(Outcome::Error {
                error_type,
                error_message,
            }) => Err(TaskFailure {
                error: error_type,
                cause: error_message,
            }),
            Err(e) => Err(runtime(format!("lambda:invoke {named}: {e}"))),
        }
    }

    /// `ecs:runTask.sync`: the task definition's container as a process until it exits.
    async fn run_task(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let reference = parameters["TaskDefinition"].as_str().unwrap_or_default();
        let plane = &self.plane;
        let mut task = compute::task(&plane.graph, reference)
            .map_err(|e| runtime(format!("ecs:runTask: {e}")))?;
        let binary = plane.catalog.binary(&task.repository).ok_or_else(|| {
            runtime(format!(
                "ecs:runTask: the image {} is not a binary of this workspace",
                task.repository
            ))
        })?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let cluster = parameters["Cluster"].as_str().unwrap_or_default();
        let cluster_name = cluster.rsplit('/').next().unwrap_or(cluster);
        let arn = format!(
            "arn:aws:ecs:{}:{}:task/{cluster_name}/{id}",
            plane.region,
            tradai_stack_testing::FAKE_ACCOUNT
        );
        let mut env = processes::resolved(&task.environment, &plane.ids);
        let overrides = parameters["Overrides"]["ContainerOverrides"]
            .as_array()
            .into_iter()
            .flatten();
        for o in overrides.filter(|o| o["Name"].is_null() || o["Name"] == task.container.as_str()) {
            for v in o["Environment"].as_array().into_iter().flatten() {
                if let (Some(k), Some(v)) = (v["Name"].as_str(), v["Value"].as_str()) {
                    env.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        env.extend(processes::additions(&plane.cx, None));
        task.name = format!("{}-task-{}", task.name, &id[..8]);
        let mut running = processes::start(
            &task,
            &Program::Binary(binary),
            &env,
            Ipv4Addr::LOCALHOST,
            &plane.cx,
        )
        .map_err(|e| runtime(format!("ecs:runTask: {e:#}")))?;
        let status = running
            .child
            .wait()
            .await
            .map_err(|e| runtime(format!("ecs:runTask: {e}")))?;
        let code = status.code().unwrap_or(-1);
        let described = json!({"TaskArn": arn, "LastStatus": "STOPPED", "StopCode": "EssentialContainerExited",
            "Containers": [{"Name": task.container, "ExitCode": code, "LastStatus": "STOPPED"}]});
        if code == 0 {
            Ok(described)
        } else {
            Err(TaskFailure {
                error: "States.TaskFailed".into(),
                cause: described.to_string(),
            })
        }
    }
}

impl TwinIntegrations {
    /// `dynamodb:updateItem` on the emulator's table, with the parameters' typed values read as DynamoDB
    /// reads them.
    async fn update_item(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let invalid = |cause: String| TaskFailure {
            error: "DynamoDB.ValidationException".into(),
            cause,
        };
        let typed = |field: &str| -> Result<serde_json::Map<String, Value>, TaskFailure> {
            parameters[field]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| update_item::plain(v).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()
                .map_err(|e| invalid(format!("{field}: {e}")))
        };
        let table = parameters["TableName"].as_str().unwrap_or_default();
        let expression = parameters["UpdateExpression"].as_str().unwrap_or_default();
        let names = parameters["ExpressionAttributeNames"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        tradai_aws::update_item(
            &self.plane.clients,
            table,
            &typed("Key")?,
            expression,
            &names,
            &typed("ExpressionAttributeValues")?,
        )
        .await
        .map_err(|(code, message)| TaskFailure {
            error: format!("DynamoDB.{code}"),
            cause: message,
        })?;
        Ok(json!({}))
    }
}

#[async_trait]
impl Integrations for TwinIntegrations {
    async fn call(&self, resource: &str, parameters: Value) -> Result<Value, TaskFailure> {
        match resource {
            LAMBDA_INVOKE => self.invoke(&parameters).await,
            ECS_RUN_TASK_SYNC => self.run_task(&parameters).await,
            DYNAMODB_UPDATE_ITEM => self.update_item(&parameters).await,
            other => Err(runtime(format!("the twin runs no process for {other}"))),
        }
    }
}

/// The planned state machines (ARN → definition), read from their planned documents.
pub fn machines(plane: &Plane) -> anyhow::Result<Vec<(String, StateMachine)>> {
    let mut machines = Vec::new();
    for r in plane.graph.of_type(STATE_MACHINE) {
        let name = r.text("name")?;
        let document: Value = serde_json::from_str(r.text("definition")?).map_err(|e| {
            anyhow::anyhow!("state machine {name}: the planned definition is not JSON: {e}")
        })?;
        let machine = StateMachine::from_json(&document)
            .map_err(|e| anyhow::anyhow!("state machine {name}: {e}"))?;
        let arn = format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            plane.region,
            tradai_stack_testing::FAKE_ACCOUNT
        );
        machines.push((arn, machine));
    }
    Ok(machines)
}

/// Run every execution started on the planned `machines` (ARN → definition) until the task is aborted.
pub async fn run(
    sfn: aws_sdk_sfn::Client,
    machines: Vec<(String, StateMachine)>,
    integrations: Arc<TwinIntegrations>,
) {
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        for (arn, machine) in &machines {
            let listed = sfn
                .list_executions()
                .state_machine_arn(arn)
                .status_filter(aws_sdk_sfn::types::ExecutionStatus::Running)
                .send()
                .await;
            let Ok(listed) = listed else { continue };
            for e in listed.executions() {
                let execution = e.execution_arn().to_owned();
                if !seen.insert(execution.clone()) {
                    continue;
                }
                let (sfn, machine, integrations) =
                    (sfn.clone(), machine.clone(), integrations.clone());
                let name = e.name().to_owned();
                tokio::spawn(async move {
                    let input = match sfn
                        .describe_execution()
                        .execution_arn(&execution)
                        .send()
                        .await
                    {
                        Ok(d) => d
                            .input()
                            .and_then(|i| serde_json::from_str(i).ok())
                            .unwrap_or(Value::Null),
                        Err(_) => Value::Null,
                    };
                    let interpreter = Interpreter {
                        integrations: integrations.as_ref(),
                        delay_scale: 1.0,
                    };
                    let done = interpreter.run_as(&machine, &execution, &name, input).await;
                    let (error, cause) = match &done.error {
                        None => (
                            "Succeeded".to_owned(),
                            "the twin ran it to its end".to_owned(),
                        ),
                        Some(f) => (
                            f.error.chars().take(256).collect(),
                            f.cause.chars().take(32_000).collect(),
                        ),
                    };
                    match &done.error {
                        None => println!(
                            "  execution {execution} SUCCEEDED via {}",
                            done.visited.join(",")
                        ),
                        Some(f) => println!(
                            "  execution {execution} FAILED via {} ({}: {})",
                            done.visited.join(","),
                            f.error,
                            f.cause.lines().next().unwrap_or_default()
                        ),
                    }
                    let _ = sfn
                        .stop_execution()
                        .execution_arn(&execution)
                        .error(error)
                        .cause(cause)
                        .send()
                        .await;
                });
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
