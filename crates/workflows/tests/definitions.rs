//! The two workflows: structurally sound, tied to the config's Lambdas, and pinned as ASL documents.

use tradai_config::{Config, Environment, Loader, Trigger};
use tradai_workflows::{definition, sample, validate, State, WORKFLOWS};

fn config() -> Config {
    Loader::embedded()
        .without_env_vars()
        .load(Environment::Dev)
        .expect("valid")
}

#[test]
fn every_workflow_is_sound() {
    let config = config();
    for key in WORKFLOWS {
        let spec = &config.settings().workflows[key];
        let machine = definition(key, spec, &sample::targets(&config)).expect("defined");
        assert_eq!(validate(&machine), vec![], "{key}");
        assert_eq!(
            machine.timeout_seconds,
            Some(spec.timeout_seconds + 900),
            "{key}"
        );
    }
    assert!(definition(
        "deploy",
        &config.settings().workflows["backtest"],
        &sample::targets(&config)
    )
    .is_none());
}

/// Every function a workflow invokes is a Lambda of the config with a `workflow` trigger for it, and every
/// Lambda that declares such a trigger is invoked: the config and the definitions cannot drift apart.
#[test]
fn invoked_functions_match_the_config_triggers() {
    let config = config();
    let targets = sample::targets(&config);
    for key in WORKFLOWS {
        let machine =
            definition(key, &config.settings().workflows[key], &targets).expect("defined");
        let mut invoked: Vec<String> = machine
            .parameter_values("FunctionName")
            .into_iter()
            .map(|arn| {
                targets
                    .functions
                    .iter()
                    .find(|(_, a)| **a == arn)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_else(|| {
                        panic!("{key} invokes {arn}, which is no Lambda of the config")
                    })
            })
            .collect();
        let mut declared: Vec<String> = config
            .settings()
            .lambdas
            .iter()
            .filter(|(_, l)| {
                l.triggers
                    .iter()
                    .any(|t| matches!(t, Trigger::Workflow { workflow } if workflow == key))
            })
            .map(|(k, _)| k.clone())
            .collect();
        invoked.sort();
        declared.sort();
        assert_eq!(invoked, declared, "{key}");
    }
}

#[test]
fn backtest_routes_failures_through_cleanup() {
    let config = config();
    let machine = tradai_workflows::backtest(
        &config.settings().workflows["backtest"],
        &sample::targets(&config),
    );
    let State::Task {
        catch,
        timeout_seconds,
        resource,
        ..
    } = machine.get("RunBacktest").expect("state")
    else {
        panic!("RunBacktest is a task")
    };
    assert_eq!(resource, "arn:aws:states:::ecs:runTask.sync");
    assert_eq!(*timeout_seconds, Some(7200));
    let routes: Vec<(&str, &str)> = catch
        .iter()
        .map(|c| (c.errors[0].as_str(), c.next.as_str()))
        .collect();
    assert_eq!(
        routes,
        [
            ("States.Timeout", "HandleTimeout"),
            ("States.ALL", "CleanupResources")
        ]
    );
    assert_eq!(
        machine.get("CleanupResources").expect("state").targets(),
        ["UpdateStatusFailed", "UpdateStatusFailed"]
    );
    assert_eq!(
        machine.get("UpdateStatusFailed").expect("state").targets()[0],
        "NotifyFailure"
    );
}

#[test]
fn retraining_has_the_runbook_states() {
    let config = config();
    let machine = tradai_workflows::retraining(
        &config.settings().workflows["retraining"],
        &sample::targets(&config),
    );
    let names: Vec<&str> = machine.states.iter().map(|(n, _)| n.as_str()).collect();
    for state in [
        "NormalizeInput",
        "CheckRetrainingNeeded",
        "EvaluateRetrainingNeed",
        "RunRetraining",
        "HandleInvalidModel",
        "SkipRetraining",
        "CompareModels",
        "DecidePromotion",
        "PromoteModel",
        "KeepCurrentModel",
        "UpdateRetrainingState",
        "NotifyCompletion",
        "NotifyFailure",
    ] {
        assert!(names.contains(&state), "{state}");
    }
    for state in [
        "CheckRetrainingNeeded",
        "RunRetraining",
        "CompareModels",
        "PromoteModel",
    ] {
        let State::Task { catch, .. } = machine.get(state).expect("state") else {
            panic!("{state}")
        };
        assert_eq!(
            (catch[0].errors[0].as_str(), catch[0].next.as_str()),
            ("States.ALL", "NotifyFailure"),
            "{state}"
        );
    }
}

#[test]
fn documents_are_pinned() {
    let config = config();
    let targets = sample::targets(&config);
    for key in WORKFLOWS {
        let machine =
            definition(key, &config.settings().workflows[key], &targets).expect("defined");
        insta::assert_json_snapshot!(format!("{key}_workflow"), machine.to_json());
    }
}
