//! The planned state machines' executions, run by the local ASL interpreter over the twin's processes. The
//! definitions are the planned documents themselves (`StateMachine::from_json`). An execution starts on the
//! emulator, as the backtest consumer or a schedule starts it, and the twin picks it up from there.
//! `lambda:invoke` calls the function's process by the ARN the definition names. `ecs:runTask.sync` starts
//! the planned task definition's container as a process, with the call's container overrides, and waits for
//! it to exit. `dynamodb:updateItem` updates the emulator's table with the definition's expression;
//! `s3:getObject` and `s3:putObject` (a distributed Map's items and results) read and write the emulator's
//! bucket as JSON. Anything
//! else fails the task as `States.Runtime`, naming it.
//!
//! The emulator cannot be told how an execution ended. A finished one is stopped there: ABORTED, with its real
//! outcome as the error and cause (decision W43). The twin prints each outcome on its output.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};
use tradai_lambdas::runtime_api::Outcome;
use tradai_workflows::local::{update_item, Integrations, Interpreter, TaskFailure};
use tradai_workflows::{
    StateMachine, DYNAMODB_UPDATE_ITEM, ECS_RUN_TASK_SYNC, LAMBDA_INVOKE, S3_GET_OBJECT, S3_PUT_OBJECT,
};

use super::calls::{self, Call, Need, Protocol};
use super::compute;
use super::iam::Gate;
use super::lambda::Lambda;
use super::plane::Plane;
use super::provision::STATE_MACHINE;
use super::tasks::Tasks;


/// What answers one planned state machine's tasks in the twin.
#[derive(Debug)]
pub struct TwinIntegrations {
    pub plane: Arc<Plane>,
    pub lambdas: Vec<Arc<Lambda>>,
    pub tasks: Arc<Tasks>,
    pub gate: Arc<Gate>,
    /// The state machine's role: Step Functions makes the tasks' calls with it.
    pub role: Option<String>,
}

fn runtime(cause: String) -> TaskFailure {
    TaskFailure {
        error: "States.Runtime".into(),
        cause,
    }
}

/// `parameters` as the service API reads them: Step Functions' PascalCase field names in camelCase.
fn api_form(parameters: &Value) -> Value {
    match parameters {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key = chars
                        .next()
                        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
                        .unwrap_or_default();
                    (key, api_form(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(api_form).collect()),
        other => other.clone(),
    }
}

impl TwinIntegrations {
    /// Hold a task's call (`needs`) to the state machine's role; a denial fails the task with `error`, as
    /// Step Functions reports the service's `AccessDeniedException`.
    pub(super) fn hold(&self, service: &str, operation: &str, needs: Vec<Need>, error: &str) -> Result<(), TaskFailure> {
        let Some(role) = &self.role else {
            return Ok(());
        };
        let call = Call {
            principal: role.clone(),
            service: service.to_owned(),
            operation: operation.to_owned(),
            protocol: Protocol::Json,
            needs,
            classified: true,
        };
        match self.gate.check(&call) {
            None => Ok(()),
            Some(denial) => Err(TaskFailure {
                error: error.to_owned(),
                cause: denial.message(),
            }),
        }
    }

    fn needs(&self, service: &str, operation: &str, body: &Value) -> Vec<Need> {
        calls::needs(service, operation, body, &self.plane.region, &self.gate.names).unwrap_or_default()
    }

    async fn invoke(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let named = parameters["FunctionName"].as_str().unwrap_or_default();
        let lambda = self
            .lambdas
            .iter()
            .find(|l| l.function.answers_to(&self.plane.graph, named))
            .ok_or_else(|| runtime(format!("lambda:invoke: no planned function is {named}")))?;
        // The planned definition names the function by its output ARN; AWS evaluates the function's ARN.
        let function = json!({"FunctionName": lambda.function.name});
        let needs = self.needs("lambda", "InvokeFunction", &function);
        self.hold("lambda", "Invoke", needs, "Lambda.AWSLambdaException")?;
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

    /// `ecs:runTask.sync`: the task run on the emulator and as a process ([`Tasks`]), until it exits. Step
    /// Functions follows it through its managed EventBridge rule, and describes and stops it.
    async fn run_task(&self, parameters: &Value) -> Result<Value, TaskFailure> {
        let reference = parameters["TaskDefinition"].as_str().unwrap_or_default();
        let task = compute::task(&self.plane.graph, reference)
            .map_err(|e| runtime(format!("ecs:runTask: {e}")))?;
        // The planned definition names planned ids (subnets, security groups); AWS runs it with the real ones.
        let resolved = super::processes::resolve(&parameters.to_string(), &self.plane.ids);
        let mut request = api_form(&serde_json::from_str(&resolved).unwrap_or_default());
        request["taskDefinition"] = json!(task.name);
        let cluster = request["cluster"].as_str().unwrap_or("default").to_owned();
        let mut needs = self.needs("ecs", "RunTask", &request);
        let rule = format!(
            "arn:aws:events:{}:{}:rule/StepFunctionsGetEventsForECSTaskRule",
            self.plane.region,
            tradai_stack_testing::FAKE_ACCOUNT
        );
        let watched = self.needs("ecs", "StopTask", &json!({"cluster": cluster, "task": "sync-task"}));
        for action in ["events:PutTargets", "events:PutRule", "events:DescribeRule"] {
            needs.push(Need {
                action: action.to_owned(),
                resource: rule.clone(),
            });
        }
        for action in ["ecs:DescribeTasks", "ecs:StopTask"] {
            needs.extend(watched.iter().map(|n| Need {
                action: action.to_owned(),
                resource: n.resource.clone(),
            }));
        }
        self.hold("ecs", "RunTask", needs, "ECS.AccessDeniedException")?;
        let answer = self
            .tasks
            .run(&self.plane, &request)
            .await
            .map_err(|(_, e)| TaskFailure {
                error: format!("ECS.{}", e["__type"].as_str().unwrap_or("ServerException")),
                cause: e["message"].as_str().unwrap_or_default().to_owned(),
            })?;
        let arn = answer["tasks"][0]["taskArn"]
            .as_str()
            .ok_or_else(|| runtime(format!("ecs:runTask started no task: {answer}")))?;
        let code = self.tasks.exit(arn).await.unwrap_or(-1);
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
        let needs = self.needs("dynamodb", "UpdateItem", parameters);
        self.hold("dynamodb", "UpdateItem", needs, "DynamoDB.AccessDeniedException")?;
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
            S3_GET_OBJECT => self.get_object(&parameters).await,
            S3_PUT_OBJECT => self.put_object(&parameters).await,
            other => Err(runtime(format!("the twin runs no process for {other}"))),
        }
    }
}

/// One planned state machine: its ARN, its definition and what answers its tasks.
#[derive(Debug, Clone)]
pub struct Machine {
    pub arn: String,
    pub definition: StateMachine,
    pub integrations: Arc<TwinIntegrations>,
}

/// The planned state machines, read from their planned documents, each answered by `lambdas` and `tasks`
/// under its planned role.
pub fn machines(
    plane: &Arc<Plane>,
    lambdas: &[Arc<Lambda>],
    tasks: &Arc<Tasks>,
    gate: &Arc<Gate>,
) -> anyhow::Result<Vec<Machine>> {
    let mut machines = Vec::new();
    for r in plane.graph.of_type(STATE_MACHINE) {
        let name = r.text("name")?;
        let document: Value = serde_json::from_str(r.text("definition")?).map_err(|e| {
            anyhow::anyhow!("state machine {name}: the planned definition is not JSON: {e}")
        })?;
        let definition = StateMachine::from_json(&document)
            .map_err(|e| anyhow::anyhow!("state machine {name}: {e}"))?;
        let arn = format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            plane.region,
            tradai_stack_testing::FAKE_ACCOUNT
        );
        let role = r
            .optional_text("roleArn")?
            .map(|arn| tradai_stack_testing::semantics::role_name(arn).to_owned());
        let integrations = Arc::new(TwinIntegrations {
            plane: plane.clone(),
            lambdas: lambdas.to_vec(),
            tasks: tasks.clone(),
            gate: gate.clone(),
            role,
        });
        machines.push(Machine {
            arn,
            definition,
            integrations,
        });
    }
    Ok(machines)
}

/// Run every execution started on the planned `machines` (ARN → definition) until the task is aborted.
pub async fn run(sfn: aws_sdk_sfn::Client, machines: Vec<Machine>) {
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        for Machine {
            arn,
            definition: machine,
            integrations,
        } in &machines
        {
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
                        stop: None,
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
