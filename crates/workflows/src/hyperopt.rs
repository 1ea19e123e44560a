//! The hyperopt workflow (issue 19, decision H6). Input: `{job_id, trace_id, task_definition, rounds,
//! padding_days, config: {strategy, timeframe, symbols, start_date, end_date}}`, as the strategy service starts
//! it after writing the sweep to `hyperopt/<job_id>/job.json` in the results bucket.
//!
//! EnsureData → StartRounds → PlanRound → RunTrials → NextRound → MoreRounds (→ PlanRound while the round
//! counter is below `rounds`) → Finalize → NotifySuccess → Done. PlanRound, each RunTrials item and Finalize
//! are the runner's hyperopt tasks (`TRADING_MODE=hyperopt-plan|hyperopt|hyperopt-finalize`); RunTrials is a
//! distributed Map over the round's `items.json`, one child execution (one ECS task) per item, bounded by the
//! config's `map`. Any error routes to CleanupResources → NotifyFailure → WorkflowFailed.

use serde_json::json;
use tradai_config::WorkflowSpec;

use crate::asl::{Condition, State, StateMachine, Transition};
use crate::backtest::OVERHEAD_SECONDS;
use crate::map::MapState;
use crate::targets::Targets;
use crate::tasks::{catch_all, cleanup_resources, ensure_data, notify_job, RunTask};

/// Seconds a task of the sweep may run: a round's planning, one item's trials, the summary.
pub const TASK_SECONDS: u32 = 3600;

fn next(state: &str) -> Transition {
    Transition::Next(state.into())
}

/// The runner task of `mode` for the job at `job` (a path), with extra container variables.
fn runner_task<'a>(
    mode: &'a str,
    job: &'a str,
    definition: &'a str,
    extra: Vec<(&'a str, serde_json::Value)>,
    catch: Vec<crate::Catch>,
    next: &'a str,
) -> RunTask<'a> {
    let mut environment = vec![("JOB_ID", json!(job)), ("TRADING_MODE", json!(mode))];
    environment.extend(extra);
    RunTask {
        task_definition: (definition, true),
        environment,
        tags: vec![("job_id", job)],
        timeout_seconds: TASK_SECONDS,
        result_path: "$.task",
        catch,
        next,
    }
}

/// The Map's item processor: one item's trials.
fn item_processor(targets: &Targets) -> StateMachine {
    let mut run = runner_task(
        "hyperopt",
        "$.job_id",
        "$.task_definition",
        vec![
            ("HYPEROPT_ROUND", json!("States.Format('{}', $.round)")),
            ("HYPEROPT_ITEM", json!("States.Format('{}', $.item)")),
        ],
        vec![],
        "",
    )
    .state(targets);
    if let State::Task { transition, .. } = &mut run {
        *transition = Transition::End;
    }
    StateMachine::new("", "RunItem").state("RunItem", run)
}

/// The hyperopt state machine for `spec` calling `targets`; `None` without the spec's `map`.
pub fn hyperopt(spec: &WorkflowSpec, targets: &Targets) -> Option<StateMachine> {
    let map = spec.map.as_ref()?;
    let retry = &spec.lambda_retry;
    let cleanup = || vec![catch_all("CleanupResources")];
    let prefix = "hyperopt/{}/round-{}";
    let trials = MapState {
        reader: json!({
            "Bucket": targets.results_bucket,
            "Key.$": format!("States.Format('{prefix}/items.json', $.job_id, $.round.value)"),
        }),
        item_selector: Some(json!({
            "job_id.$": "$.job_id",
            "task_definition.$": "$.task_definition",
            "round.$": "$.round.value",
            "item.$": "$$.Map.Item.Value.item",
        })),
        processor: item_processor(targets),
        max_concurrency: map.max_concurrency,
        tolerated_failure_percentage: map.tolerated_failure_percentage,
        writer: json!({
            "Bucket": targets.results_bucket,
            "Prefix.$": format!("States.Format('{prefix}/map', $.job_id, $.round.value)"),
        }),
        result_path: Some("$.map".into()),
        catch: cleanup(),
        transition: next("NextRound"),
    };
    let machine = StateMachine::new(
        "TradAI hyperopt: ensure data, then rounds of planned trials run as a distributed Map, then the summary",
        "EnsureData",
    )
    .timeout(spec.timeout_seconds + OVERHEAD_SECONDS)
    .state(
        "EnsureData",
        ensure_data(
            targets,
            "$.padding_days",
            retry,
            cleanup(),
            next("StartRounds"),
        ),
    )
    .state(
        "StartRounds",
        State::Pass {
            parameters: Some(json!({"value": 0})),
            result_path: Some("$.round".into()),
            transition: next("PlanRound"),
        },
    )
    .state(
        "PlanRound",
        runner_task(
            "hyperopt-plan",
            "$.job_id",
            "$.task_definition",
            vec![(
                "HYPEROPT_ROUND",
                json!("States.Format('{}', $.round.value)"),
            )],
            cleanup(),
            "RunTrials",
        )
        .state(targets),
    )
    .state("RunTrials", State::Map(Box::new(trials)))
    .state(
        "NextRound",
        State::Pass {
            parameters: Some(json!({"value.$": "States.MathAdd($.round.value, 1)"})),
            result_path: Some("$.round".into()),
            transition: next("MoreRounds"),
        },
    )
    .state(
        "MoreRounds",
        State::Choice {
            rules: vec![(
                Condition::NumericLessThanPath("$.round.value".into(), "$.rounds".into()),
                "PlanRound".into(),
            )],
            default: "Finalize".into(),
        },
    )
    .state(
        "Finalize",
        runner_task(
            "hyperopt-finalize",
            "$.job_id",
            "$.task_definition",
            vec![],
            cleanup(),
            "NotifySuccess",
        )
        .state(targets),
    )
    .state(
        "NotifySuccess",
        notify_job(
            targets,
            retry,
            "GENERIC",
            (
                "Hyperopt finished",
                "A hyperopt sweep finished; its summary is in the results bucket.",
            ),
            false,
        ),
    )
    .state("Done", State::Succeed)
    .state(
        "CleanupResources",
        cleanup_resources(targets, retry, "NotifyFailure"),
    )
    .state(
        "NotifyFailure",
        notify_job(
            targets,
            retry,
            "GENERIC",
            (
                "Hyperopt failed",
                "A hyperopt sweep failed; the finished trials are in the results bucket.",
            ),
            true,
        ),
    )
    .state(
        "WorkflowFailed",
        State::Fail {
            error: "HyperoptFailed".into(),
            cause: "the sweep failed; see the execution's error".into(),
        },
    );
    Some(machine)
}
