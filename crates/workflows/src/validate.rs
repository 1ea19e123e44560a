//! Structural checks of a state machine, done before anything is deployed or run.

use std::collections::{BTreeSet, VecDeque};

use crate::asl::{State, StateMachine};

/// One structural problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("StartAt names '{0}', which is not a state")]
    MissingStart(String),
    #[error("state '{from}' goes to '{to}', which is not a state")]
    MissingTarget { from: String, to: String },
    #[error("state '{0}' is defined twice")]
    Duplicate(String),
    #[error("state '{0}' cannot be reached from StartAt")]
    Unreachable(String),
    #[error("state '{0}' can never reach a terminal state (Succeed, Fail or End)")]
    NoWayOut(String),
    #[error("state name '{0}' is longer than 80 characters")]
    NameTooLong(String),
    #[error("Choice state '{0}' has no rules")]
    EmptyChoice(String),
    #[error("in the item processor of Map state '{0}': {1}")]
    InProcessor(String, Box<Invalid>),
    #[error("Map state '{0}' tolerates {1} % of failures: at most 100")]
    Tolerance(String, u32),
}

/// Every problem of `machine` (empty when it is sound).
pub fn validate(machine: &StateMachine) -> Vec<Invalid> {
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for (name, state) in &machine.states {
        if !names.insert(name.as_str()) {
            problems.push(Invalid::Duplicate(name.clone()));
        }
        if name.chars().count() > 80 {
            problems.push(Invalid::NameTooLong(name.clone()));
        }
        if matches!(state, State::Choice { rules, .. } if rules.is_empty()) {
            problems.push(Invalid::EmptyChoice(name.clone()));
        }
        if let State::Map(map) = state {
            if map.tolerated_failure_percentage > 100 {
                problems.push(Invalid::Tolerance(
                    name.clone(),
                    map.tolerated_failure_percentage,
                ));
            }
            for problem in validate(&map.processor) {
                problems.push(Invalid::InProcessor(name.clone(), Box::new(problem)));
            }
        }
        for to in state.targets() {
            if machine.get(to).is_none() {
                problems.push(Invalid::MissingTarget {
                    from: name.clone(),
                    to: to.to_owned(),
                });
            }
        }
    }
    if machine.get(&machine.start_at).is_none() {
        problems.push(Invalid::MissingStart(machine.start_at.clone()));
        return problems;
    }
    // Reachable from StartAt.
    let mut reached = BTreeSet::from([machine.start_at.as_str()]);
    let mut queue = VecDeque::from([machine.start_at.as_str()]);
    while let Some(name) = queue.pop_front() {
        for to in machine.get(name).map(State::targets).unwrap_or_default() {
            if machine.get(to).is_some() && reached.insert(to) {
                queue.push_back(to);
            }
        }
    }
    for (name, _) in &machine.states {
        if !reached.contains(name.as_str()) {
            problems.push(Invalid::Unreachable(name.clone()));
        }
    }
    // A terminal reachable from every state: grow the set of states that can finish until it is stable.
    let mut finishing: BTreeSet<&str> = machine
        .states
        .iter()
        .filter(|(_, s)| s.is_terminal())
        .map(|(n, _)| n.as_str())
        .collect();
    loop {
        let before = finishing.len();
        for (name, state) in &machine.states {
            if state.targets().iter().any(|t| finishing.contains(t)) {
                finishing.insert(name);
            }
        }
        if finishing.len() == before {
            break;
        }
    }
    for (name, _) in &machine.states {
        if !finishing.contains(name.as_str()) {
            problems.push(Invalid::NoWayOut(name.clone()));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::asl::{Catch, Condition, Transition};

    fn pass(next: &str) -> State {
        State::Pass {
            parameters: None,
            result_path: None,
            transition: Transition::Next(next.into()),
        }
    }

    #[test]
    fn a_sound_machine_has_no_problems() {
        let machine = StateMachine::new("ok", "A")
            .state("A", pass("B"))
            .state(
                "B",
                State::Choice {
                    rules: vec![(Condition::BooleanEquals("$.ok".into(), true), "Done".into())],
                    default: "Failed".into(),
                },
            )
            .state("Done", State::Succeed)
            .state(
                "Failed",
                State::Fail {
                    error: "E".into(),
                    cause: "c".into(),
                },
            );
        assert_eq!(validate(&machine), vec![]);
    }

    #[test]
    fn finds_missing_targets_unreachable_states_and_loops_without_exit() {
        let machine = StateMachine::new("bad", "A")
            .state(
                "A",
                State::Task {
                    resource: "arn:aws:states:::lambda:invoke".into(),
                    parameters: json!({}),
                    result_selector: None,
                    result_path: None,
                    timeout_seconds: None,
                    retry: vec![],
                    catch: vec![Catch {
                        errors: vec!["States.ALL".into()],
                        result_path: "$.error".into(),
                        next: "Nowhere".into(),
                    }],
                    transition: Transition::Next("B".into()),
                },
            )
            .state("B", pass("C"))
            .state("C", pass("B"))
            .state("Orphan", State::Succeed)
            .state("Orphan", State::Succeed);
        let problems = validate(&machine);
        assert!(problems.contains(&Invalid::MissingTarget {
            from: "A".into(),
            to: "Nowhere".into()
        }));
        assert!(problems.contains(&Invalid::Unreachable("Orphan".into())));
        assert!(problems.contains(&Invalid::NoWayOut("B".into())));
        assert!(problems.contains(&Invalid::NoWayOut("A".into())));
        assert!(problems.contains(&Invalid::Duplicate("Orphan".into())));
        let no_start = StateMachine::new("x", "Missing").state("A", State::Succeed);
        assert_eq!(
            validate(&no_start),
            vec![Invalid::MissingStart("Missing".into())]
        );
        assert_eq!(
            Invalid::MissingTarget {
                from: "A".into(),
                to: "Nowhere".into()
            }
            .to_string(),
            "state 'A' goes to 'Nowhere', which is not a state"
        );
    }
}
