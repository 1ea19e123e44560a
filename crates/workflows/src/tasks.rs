//! Builders for the Task states the workflows use.

use serde_json::{json, Value};
use tradai_config::RetrySpec;

use crate::asl::{Catch, Retry, State, Transition};
use crate::targets::Targets;

/// The Lambda service integration.
pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
/// ECS run-task, waiting for the task to stop.
pub const ECS_RUN_TASK_SYNC: &str = "arn:aws:states:::ecs:runTask.sync";
/// DynamoDB UpdateItem.
pub const DYNAMODB_UPDATE_ITEM: &str = "arn:aws:states:::dynamodb:updateItem";

/// Transient errors, worth retrying: those of the Lambda service itself (throttling, a busy or failed invoke)
/// and `TransientError`, which a handler raises when a dependency it calls is unavailable, throttled or timed
/// out (the `errorType` `tradai-lambda` posts). `ValidationError` and `DependencyError` are not retried.
pub const TRANSIENT_ERRORS: [&str; 5] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientError",
];

/// The config's retry policy for transient Lambda errors.
pub fn lambda_retry(spec: &RetrySpec) -> Retry {
    Retry {
        errors: TRANSIENT_ERRORS.iter().map(|e| (*e).to_owned()).collect(),
        interval_seconds: spec.interval_seconds,
        max_attempts: spec.max_attempts,
        backoff_rate: spec.backoff_rate,
        max_delay_seconds: Some(spec.max_delay_seconds),
    }
}

/// Route every error to `next`, with the error object at `$.error`.
pub fn catch_all(next: &str) -> Catch {
    catch_into(&["States.ALL"], "$.error", next)
}

/// Route `errors` to `next`, with the error object at `result_path`.
pub fn catch_into(errors: &[&str], result_path: &str, next: &str) -> Catch {
    Catch {
        errors: errors.iter().map(|e| (*e).to_owned()).collect(),
        result_path: result_path.into(),
        next: next.into(),
    }
}

/// Invoke function `key` with `payload`; its `body.data` lands at `result_path`.
pub fn invoke(
    targets: &Targets,
    key: &str,
    payload: Value,
    result_path: &str,
    retry: &RetrySpec,
    catch: Vec<Catch>,
    transition: Transition,
) -> State {
    State::Task {
        resource: LAMBDA_INVOKE.into(),
        parameters: json!({"FunctionName": targets.function(key), "Payload": payload}),
        result_selector: Some(json!({"data.$": "$.Payload.body.data"})),
        result_path: Some(result_path.into()),
        timeout_seconds: None,
        retry: vec![lambda_retry(retry)],
        catch,
        transition,
    }
}

/// Run `task_definition` (a literal, or a `.$` path when `dynamic`) on the cluster with `environment`
/// overrides (name → value or `.$` path) and `tags`, waiting for it to stop.
pub struct RunTask<'a> {
    pub task_definition: (&'a str, bool),
    pub environment: Vec<(&'a str, Value)>,
    pub tags: Vec<(&'a str, &'a str)>,
    pub timeout_seconds: u32,
    pub result_path: &'a str,
    pub catch: Vec<Catch>,
    pub next: &'a str,
}

impl RunTask<'_> {
    /// The Task state.
    pub fn state(self, targets: &Targets) -> State {
        let mut parameters = targets.run_task();
        let (definition, dynamic) = self.task_definition;
        let key = if dynamic {
            "TaskDefinition.$"
        } else {
            "TaskDefinition"
        };
        parameters[key] = json!(definition);
        // A path (`$.job_id`) or an intrinsic function (`States.Format(…)`) is resolved by Step Functions.
        let env_entry = |(name, value): &(&str, Value)| match value.as_str() {
            Some(path) if path.starts_with('$') || path.starts_with("States.") => {
                json!({"Name": name, "Value.$": path})
            }
            _ => json!({"Name": name, "Value": value}),
        };
        parameters["Overrides"] = json!({"ContainerOverrides": [{
            "Name": targets.container_name,
            "Environment": self.environment.iter().map(env_entry).collect::<Vec<_>>(),
        }]});
        parameters["Tags"] = self
            .tags
            .iter()
            .map(|(key, path)| json!({"Key": key, "Value.$": path}))
            .collect();
        State::Task {
            resource: ECS_RUN_TASK_SYNC.into(),
            parameters,
            result_selector: Some(json!({"task_arn.$": "$.TaskArn"})),
            result_path: Some(self.result_path.into()),
            timeout_seconds: Some(self.timeout_seconds),
            retry: vec![],
            catch: self.catch,
            transition: Transition::Next(self.next.into()),
        }
    }
}

/// A Pass state writing `parameters` to `$.error` (a uniform error payload for the failure path).
pub fn synthesize_error(error: &str, cause: Value, next: &str) -> State {
    let mut parameters = json!({"Error": error});
    match cause.as_str() {
        Some(path) if path.starts_with('$') => parameters["Cause.$"] = json!(path),
        _ => parameters["Cause"] = cause,
    }
    State::Pass {
        parameters: Some(parameters),
        result_path: Some("$.error".into()),
        transition: Transition::Next(next.into()),
    }
}

/// notify-completion with `payload`, its answer at `$.notification`.
pub fn notify(
    targets: &Targets,
    payload: Value,
    retry: &RetrySpec,
    catch: Vec<Catch>,
    transition: Transition,
) -> State {
    invoke(
        targets,
        "notify-completion",
        payload,
        "$.notification",
        retry,
        catch,
        transition,
    )
}

/// A job's notification state (backtest, hyperopt): its type, title and message, the strategy, and the job's
/// ids in the details. A success (INFO) goes on to `Done` whatever the call does; a failure (ERROR, with the
/// job's error) goes on to `WorkflowFailed`, a failed call's error at `$.notification_error`.
pub fn notify_job(
    targets: &Targets,
    retry: &RetrySpec,
    kind: &str,
    (title, message): (&str, &str),
    failed: bool,
) -> State {
    let mut details = json!({"job_id.$": "$.job_id", "trace_id.$": "$.trace_id"});
    if failed {
        details["error.$"] = json!("$.error");
    }
    let payload = json!({
        "notification_type": kind,
        "title": title,
        "message": message,
        "strategy_name.$": "$.config.strategy",
        "severity": if failed { "ERROR" } else { "INFO" },
        "details": details,
    });
    let (catch, next) = if failed {
        (
            catch_into(&["States.ALL"], "$.notification_error", "WorkflowFailed"),
            "WorkflowFailed",
        )
    } else {
        (catch_all("Done"), "Done")
    };
    notify(
        targets,
        payload,
        retry,
        vec![catch],
        Transition::Next(next.into()),
    )
}

/// cleanup-resources for the job (stopping its tasks), then `next`; its own failure goes to `next` too, with
/// the error at `$.cleanup_error`.
pub fn cleanup_resources(targets: &Targets, retry: &RetrySpec, next: &str) -> State {
    invoke(
        targets,
        "cleanup-resources",
        json!({
            "job_id.$": "$.job_id",
            "execution_arn.$": "$$.Execution.Id",
            "strategy_name.$": "$.config.strategy",
            "error.$": "$.error",
            "cluster": targets.cluster,
        }),
        "$.cleanup",
        retry,
        vec![catch_into(&["States.ALL"], "$.cleanup_error", next)],
        Transition::Next(next.into()),
    )
}

/// EnsureData: the data-collection proxy syncs `$.config`'s symbols and range, with the days at `padding` (a
/// path) before it; its answer at `$.data`.
pub fn ensure_data(
    targets: &Targets,
    padding: &str,
    retry: &RetrySpec,
    catch: Vec<Catch>,
    transition: Transition,
) -> State {
    invoke(
        targets,
        "data-collection-proxy",
        json!({"operation": "ensure-data", "params": {
            "symbols.$": "$.config.symbols",
            "timeframe.$": "$.config.timeframe",
            "start_date.$": "$.config.start_date",
            "end_date.$": "$.config.end_date",
            "padding_days.$": padding,
        }}),
        "$.data",
        retry,
        catch,
        transition,
    )
}
