//! The backtest workflow (reference §11.2, v11). Input: `{job_id, trace_id, task_definition, config: {strategy,
//! timeframe, symbols, start_date, end_date, …}}`, as the backtest-consumer starts it.
//!
//! ValidateStrategy → CheckValidation → EnsureData → UpdateStatusRunning → RunBacktest → UpdateStatusCompleted
//! → NotifySuccess → Done. Every Lambda state retries transient Lambda errors with the config's backoff; any
//! error routes to CleanupResources → UpdateStatusFailed → NotifyFailure → WorkflowFailed. An invalid payload
//! goes to ValidationFailed (no task to clean up); a run longer than the configured timeout to HandleTimeout.

use serde_json::json;
use tradai_config::WorkflowSpec;

use crate::asl::{Condition, State, StateMachine, Transition};
use crate::targets::Targets;
use crate::tasks::{
    catch_all, catch_into, cleanup_resources, ensure_data, invoke, notify_job, synthesize_error,
    RunTask,
};

/// Extra seconds the whole execution gets beyond the backtest's own timeout (the sweep's, for hyperopt), for
/// validation, data coverage and the cleanup path (decision W1).
pub const OVERHEAD_SECONDS: u32 = 900;

fn next(state: &str) -> Transition {
    Transition::Next(state.into())
}

/// The backtest state machine for `spec` calling `targets`.
pub fn backtest(spec: &WorkflowSpec, targets: &Targets) -> StateMachine {
    let retry = &spec.lambda_retry;
    let cleanup = || vec![catch_all("CleanupResources")];
    let status = |status: &str, extra: serde_json::Value| {
        let mut payload = json!({"job_id.$": "$.job_id", "status": status, "trace_id.$": "$.trace_id", "execution_arn.$": "$$.Execution.Id"});
        if let (Some(payload), Some(extra)) = (payload.as_object_mut(), extra.as_object()) {
            payload.extend(extra.clone());
        }
        payload
    };
    StateMachine::new(
        "TradAI backtest: validate, ensure data, run the strategy container, record and notify",
        "ValidateStrategy",
    )
    .timeout(spec.timeout_seconds + OVERHEAD_SECONDS)
    .state(
        "ValidateStrategy",
        invoke(
            targets,
            "validate-strategy",
            json!({
                "job_id.$": "$.job_id",
                "strategy_name.$": "$.config.strategy",
                "timeframe.$": "$.config.timeframe",
                "symbols.$": "$.config.symbols",
                "start_date.$": "$.config.start_date",
                "end_date.$": "$.config.end_date",
            }),
            "$.validation",
            retry,
            cleanup(),
            next("CheckValidation"),
        ),
    )
    .state(
        "CheckValidation",
        State::Choice {
            rules: vec![(
                Condition::BooleanEquals("$.validation.data.valid".into(), true),
                "EnsureData".into(),
            )],
            default: "ValidationFailed".into(),
        },
    )
    .state(
        "ValidationFailed",
        synthesize_error(
            "ValidationFailed",
            json!("$.validation.data.errors"),
            "UpdateStatusFailed",
        ),
    )
    .state(
        "EnsureData",
        ensure_data(
            targets,
            "$.validation.data.padding_days",
            retry,
            cleanup(),
            next("UpdateStatusRunning"),
        ),
    )
    .state(
        "UpdateStatusRunning",
        invoke(
            targets,
            "update-status",
            status("RUNNING", json!({"started_at.$": "$$.State.EnteredTime"})),
            "$.status_update",
            retry,
            cleanup(),
            next("RunBacktest"),
        ),
    )
    .state(
        "RunBacktest",
        RunTask {
            task_definition: ("$.task_definition", true),
            environment: vec![
                ("JOB_ID", json!("$.job_id")),
                ("TRACE_ID", json!("$.trace_id")),
                ("STRATEGY", json!("$.config.strategy")),
                ("TRADING_MODE", json!("backtest")),
            ],
            tags: vec![("job_id", "$.job_id"), ("strategy_name", "$.config.strategy")],
            timeout_seconds: spec.timeout_seconds,
            result_path: "$.backtest",
            catch: vec![
                catch_into(&["States.Timeout"], "$.error", "HandleTimeout"),
                catch_all("CleanupResources"),
            ],
            next: "UpdateStatusCompleted",
        }
        .state(targets),
    )
    .state(
        "UpdateStatusCompleted",
        invoke(
            targets,
            "update-status",
            status(
                "COMPLETED",
                json!({"completed_at.$": "$$.State.EnteredTime", "ecs_task_arn.$": "$.backtest.task_arn"}),
            ),
            "$.status_update",
            retry,
            cleanup(),
            next("NotifySuccess"),
        ),
    )
    .state(
        "NotifySuccess",
        notify_job(
            targets,
            retry,
            "BACKTEST_COMPLETE",
            (
                "Backtest completed",
                "A backtest finished; its results are in the results bucket.",
            ),
            false,
        ),
    )
    .state("Done", State::Succeed)
    .state(
        "HandleTimeout",
        synthesize_error(
            "States.Timeout",
            json!(format!(
                "the backtest ran longer than {} s",
                spec.timeout_seconds
            )),
            "CleanupResources",
        ),
    )
    .state(
        "CleanupResources",
        cleanup_resources(targets, retry, "UpdateStatusFailed"),
    )
    .state(
        "UpdateStatusFailed",
        invoke(
            targets,
            "update-status",
            status(
                "FAILED",
                json!({"completed_at.$": "$$.State.EnteredTime", "error.$": "$.error"}),
            ),
            "$.status_update",
            retry,
            vec![catch_into(&["States.ALL"], "$.status_error", "NotifyFailure")],
            next("NotifyFailure"),
        ),
    )
    .state(
        "NotifyFailure",
        notify_job(
            targets,
            retry,
            "GENERIC",
            (
                "Backtest failed",
                "A backtest failed; the job's error is in the workflow-state table.",
            ),
            true,
        ),
    )
    .state(
        "WorkflowFailed",
        State::Fail {
            error: "BacktestFailed".into(),
            cause: "the backtest failed; see the job's error in the workflow-state table".into(),
        },
    )
}
