//! The retraining workflow (reference §11.3, the 13 states of the post-#91 runbook plus a Fail terminal).
//! Input: `{model_name, force?, manual_trigger?, strategy?, config_version_id?}`.
//!
//! NormalizeInput → CheckRetrainingNeeded → EvaluateRetrainingNeed
//!   needs_retraining → RunRetraining → CompareModels → DecidePromotion → PromoteModel | KeepCurrentModel
//!     → UpdateRetrainingState → NotifyCompletion
//!   invalid_model → HandleInvalidModel → NotifyFailure → RetrainingFailed
//!   otherwise → SkipRetraining
//! CheckRetrainingNeeded, RunRetraining, CompareModels, PromoteModel (and UpdateRetrainingState) catch every
//! error into NotifyFailure.

use serde_json::json;
use tradai_config::WorkflowSpec;

use crate::asl::{Condition, Retry, State, StateMachine, Transition};
use crate::backtest::OVERHEAD_SECONDS;
use crate::targets::Targets;
use crate::tasks::{
    catch_all, catch_into, invoke, synthesize_error, RunTask, DYNAMODB_UPDATE_ITEM,
};

/// Defaults NormalizeInput merges under the caller's input.
const DEFAULTS: &str = r#"{"model_name":"","force":false,"manual_trigger":false,"strategy":"","config_version_id":""}"#;

fn next(state: &str) -> Transition {
    Transition::Next(state.into())
}

/// The retraining state machine for `spec` calling `targets`.
pub fn retraining(spec: &WorkflowSpec, targets: &Targets) -> StateMachine {
    let retry = &spec.lambda_retry;
    let to_failure = || vec![catch_all("NotifyFailure")];
    StateMachine::new(
        "TradAI retraining: decide, train, compare with the champion, promote or keep, record and notify",
        "NormalizeInput",
    )
    .timeout(spec.timeout_seconds + OVERHEAD_SECONDS)
    .state(
        "NormalizeInput",
        State::Pass {
            parameters: Some(json!({
                "request.$": format!("States.JsonMerge(States.StringToJson('{DEFAULTS}'), $, false)")
            })),
            result_path: None,
            transition: next("CheckRetrainingNeeded"),
        },
    )
    .state(
        "CheckRetrainingNeeded",
        invoke(
            targets,
            "check-retraining-needed",
            json!({
                "model_name.$": "$.request.model_name",
                "force.$": "$.request.force",
                "manual_trigger.$": "$.request.manual_trigger",
            }),
            "$.check",
            retry,
            to_failure(),
            next("EvaluateRetrainingNeed"),
        ),
    )
    .state(
        "EvaluateRetrainingNeed",
        State::Choice {
            rules: vec![
                (
                    Condition::StringEquals("$.check.data.decision".into(), "needs_retraining".into()),
                    "RunRetraining".into(),
                ),
                (
                    Condition::StringEquals("$.check.data.decision".into(), "invalid_model".into()),
                    "HandleInvalidModel".into(),
                ),
            ],
            default: "SkipRetraining".into(),
        },
    )
    .state(
        "RunRetraining",
        RunTask {
            task_definition: (&targets.strategy_task_definition, false),
            environment: vec![
                ("JOB_ID", json!("$$.Execution.Name")),
                ("TRADING_MODE", json!("train")),
                ("MODEL_NAME", json!("$.request.model_name")),
                ("STRATEGY", json!("$.request.strategy")),
                ("CONFIG_VERSION_ID", json!("$.request.config_version_id")),
                ("RETRAINING_TRIGGER", json!("$.check.data.trigger")),
            ],
            tags: vec![("job_id", "$$.Execution.Name"), ("model_name", "$.request.model_name")],
            timeout_seconds: spec.timeout_seconds,
            result_path: "$.training",
            catch: to_failure(),
            next: "CompareModels",
        }
        .state(targets),
    )
    .state(
        "HandleInvalidModel",
        synthesize_error("InvalidModel", json!("$.check.data.reason"), "NotifyFailure"),
    )
    .state("SkipRetraining", State::Succeed)
    .state(
        "CompareModels",
        invoke(
            targets,
            "compare-models",
            json!({
                "model_name.$": "$.request.model_name",
                "champion_version": "Production",
                "challenger_version": "Staging",
            }),
            "$.comparison",
            retry,
            to_failure(),
            next("DecidePromotion"),
        ),
    )
    .state(
        "DecidePromotion",
        State::Choice {
            rules: vec![(
                Condition::StringEquals("$.comparison.data.decision".into(), "PROMOTE".into()),
                "PromoteModel".into(),
            )],
            default: "KeepCurrentModel".into(),
        },
    )
    .state(
        "PromoteModel",
        invoke(
            targets,
            "promote-model",
            json!({
                "model_name.$": "$.request.model_name",
                "confidence.$": "$.comparison.data.confidence",
            }),
            "$.promotion",
            retry,
            to_failure(),
            next("UpdateRetrainingState"),
        ),
    )
    .state(
        "KeepCurrentModel",
        State::Pass {
            parameters: Some(json!({"promoted": false, "reason.$": "$.comparison.data.recommendation"})),
            result_path: Some("$.promotion".into()),
            transition: next("UpdateRetrainingState"),
        },
    )
    .state(
        "UpdateRetrainingState",
        State::Task {
            resource: DYNAMODB_UPDATE_ITEM.into(),
            parameters: json!({
                "TableName": targets.retraining_table,
                "Key": {"model_name": {"S.$": "$.request.model_name"}},
                "UpdateExpression": "SET last_retrained = :at, updated_at = :at, last_execution = :execution, task_arn = :task, #status = :status, #trigger = :trigger",
                "ExpressionAttributeNames": {"#status": "status", "#trigger": "trigger"},
                "ExpressionAttributeValues": {
                    ":at": {"S.$": "$$.State.EnteredTime"},
                    ":execution": {"S.$": "$$.Execution.Id"},
                    ":task": {"S.$": "$.training.task_arn"},
                    ":status": {"S": "completed"},
                    ":trigger": {"S.$": "$.check.data.trigger"},
                },
            }),
            result_selector: None,
            result_path: Some("$.state_update".into()),
            timeout_seconds: None,
            retry: vec![Retry {
                errors: vec![
                    "DynamoDB.ProvisionedThroughputExceededException".into(),
                    "DynamoDB.InternalServerErrorException".into(),
                    "DynamoDB.ThrottlingException".into(),
                ],
                interval_seconds: retry.interval_seconds,
                max_attempts: retry.max_attempts,
                backoff_rate: retry.backoff_rate,
                max_delay_seconds: Some(retry.max_delay_seconds),
            }],
            catch: to_failure(),
            transition: next("NotifyCompletion"),
        },
    )
    .state(
        "NotifyCompletion",
        invoke(
            targets,
            "notify-completion",
            json!({
                "notification_type": "RETRAINING_SUCCESS",
                "title": "Retraining finished",
                "message": "A model was retrained and compared with the champion.",
                "model_name.$": "$.request.model_name",
                "severity": "INFO",
                "details": {"decision.$": "$.comparison.data.decision", "promotion.$": "$.promotion"},
            }),
            "$.notification",
            retry,
            vec![],
            Transition::End,
        ),
    )
    .state(
        "NotifyFailure",
        invoke(
            targets,
            "notify-completion",
            json!({
                "notification_type": "RETRAINING_FAILED",
                "title": "Retraining failed",
                "message": "A retraining run failed or was refused.",
                "model_name.$": "$.request.model_name",
                "severity": "ERROR",
                "details": {"error.$": "$.error"},
            }),
            "$.notification",
            retry,
            vec![catch_into(&["States.ALL"], "$.notification_error", "RetrainingFailed")],
            next("RetrainingFailed"),
        ),
    )
    .state(
        "RetrainingFailed",
        State::Fail {
            error: "RetrainingFailed".into(),
            cause: "retraining failed or the model is invalid; see the notification".into(),
        },
    )
}
