//! The subset of the Amazon States Language the platform uses, as types. `to_json` writes the document Step
//! Functions accepts; states keep the order they were added in, so documents diff and snapshot well.

use serde_json::{json, Map, Value};

use crate::map::{MapState, S3_GET_OBJECT, S3_PUT_OBJECT};

/// Where a state goes when it finishes.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Next(String),
    End,
}

/// A Retry block.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub errors: Vec<String>,
    pub interval_seconds: u32,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u32>,
}

/// A Catch block: errors matching `errors` go to `next`, with the error object at `result_path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Catch {
    pub errors: Vec<String>,
    pub result_path: String,
    pub next: String,
}

/// A Choice rule's test on one input path.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    StringEquals(String, String),
    BooleanEquals(String, bool),
    /// The number at the first path is below the number at the second.
    NumericLessThanPath(String, String),
}

/// One state.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// A service integration (`arn:aws:states:::lambda:invoke`, `…:ecs:runTask.sync`, `…:dynamodb:updateItem`).
    Task {
        resource: String,
        parameters: Value,
        result_selector: Option<Value>,
        result_path: Option<String>,
        timeout_seconds: Option<u32>,
        retry: Vec<Retry>,
        catch: Vec<Catch>,
        transition: Transition,
    },
    /// Routes on the first matching rule, else `default`.
    Choice {
        rules: Vec<(Condition, String)>,
        default: String,
    },
    /// Shapes data: `parameters` (with `.$` paths) placed at `result_path`.
    Pass {
        parameters: Option<Value>,
        result_path: Option<String>,
        transition: Transition,
    },
    /// A distributed Map over items in S3 ([`MapState`]).
    Map(Box<MapState>),
    Succeed,
    Fail {
        error: String,
        cause: String,
    },
}

impl State {
    /// The states this one may go to (Next, Default, Choice targets, Catch targets).
    pub fn targets(&self) -> Vec<&str> {
        fn next(t: &Transition) -> Vec<&str> {
            match t {
                Transition::Next(n) => vec![n.as_str()],
                Transition::End => vec![],
            }
        }
        match self {
            State::Task {
                transition, catch, ..
            } => {
                let mut out = next(transition);
                out.extend(catch.iter().map(|c| c.next.as_str()));
                out
            }
            State::Choice { rules, default } => {
                let mut out: Vec<&str> = rules.iter().map(|(_, n)| n.as_str()).collect();
                out.push(default);
                out
            }
            State::Pass { transition, .. } => next(transition),
            State::Map(map) => {
                let mut out = next(&map.transition);
                out.extend(map.catch.iter().map(|c| c.next.as_str()));
                out
            }
            State::Succeed | State::Fail { .. } => vec![],
        }
    }

    /// Whether the execution can stop here.
    pub fn is_terminal(&self) -> bool {
        match self {
            State::Task { transition, .. } | State::Pass { transition, .. } => {
                *transition == Transition::End
            }
            State::Map(map) => map.transition == Transition::End,
            State::Succeed | State::Fail { .. } => true,
            State::Choice { .. } => false,
        }
    }

    fn to_json(&self) -> Value {
        let mut out = Map::new();
        let put_catch = |out: &mut Map<String, Value>, catch: &[Catch]| {
            if !catch.is_empty() {
                let catches = catch
                    .iter()
                    .map(|c| json!({"ErrorEquals": c.errors, "ResultPath": c.result_path, "Next": c.next}))
                    .collect();
                out.insert("Catch".into(), catches);
            }
        };
        let put_transition = |out: &mut Map<String, Value>, t: &Transition| match t {
            Transition::Next(n) => {
                out.insert("Next".into(), json!(n));
            }
            Transition::End => {
                out.insert("End".into(), json!(true));
            }
        };
        match self {
            State::Task {
                resource,
                parameters,
                result_selector,
                result_path,
                timeout_seconds,
                retry,
                catch,
                transition,
            } => {
                out.insert("Type".into(), json!("Task"));
                out.insert("Resource".into(), json!(resource));
                out.insert("Parameters".into(), parameters.clone());
                if let Some(selector) = result_selector {
                    out.insert("ResultSelector".into(), selector.clone());
                }
                if let Some(path) = result_path {
                    out.insert("ResultPath".into(), json!(path));
                }
                if let Some(seconds) = timeout_seconds {
                    out.insert("TimeoutSeconds".into(), json!(seconds));
                }
                if !retry.is_empty() {
                    out.insert("Retry".into(), retry.iter().map(Retry::to_json).collect());
                }
                put_catch(&mut out, catch);
                put_transition(&mut out, transition);
            }
            State::Map(map) => {
                map.to_json(&mut out);
                put_catch(&mut out, &map.catch);
                put_transition(&mut out, &map.transition);
            }
            State::Choice { rules, default } => {
                out.insert("Type".into(), json!("Choice"));
                let choices = rules
                    .iter()
                    .map(|(condition, next)| {
                        let mut rule = condition.to_json();
                        rule.insert("Next".into(), json!(next));
                        Value::Object(rule)
                    })
                    .collect();
                out.insert("Choices".into(), choices);
                out.insert("Default".into(), json!(default));
            }
            State::Pass {
                parameters,
                result_path,
                transition,
            } => {
                out.insert("Type".into(), json!("Pass"));
                if let Some(parameters) = parameters {
                    out.insert("Parameters".into(), parameters.clone());
                }
                if let Some(path) = result_path {
                    out.insert("ResultPath".into(), json!(path));
                }
                put_transition(&mut out, transition);
            }
            State::Succeed => {
                out.insert("Type".into(), json!("Succeed"));
            }
            State::Fail { error, cause } => {
                out.insert("Type".into(), json!("Fail"));
                out.insert("Error".into(), json!(error));
                out.insert("Cause".into(), json!(cause));
            }
        }
        Value::Object(out)
    }
}

impl Retry {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "ErrorEquals": self.errors,
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
        });
        if let Some(cap) = self.max_delay_seconds {
            out["MaxDelaySeconds"] = json!(cap);
        }
        out
    }
}

impl Condition {
    fn to_json(&self) -> Map<String, Value> {
        let (variable, key, value) = match self {
            Condition::StringEquals(v, s) => (v, "StringEquals", json!(s)),
            Condition::BooleanEquals(v, b) => (v, "BooleanEquals", json!(b)),
            Condition::NumericLessThanPath(v, other) => (v, "NumericLessThanPath", json!(other)),
        };
        Map::from_iter([
            ("Variable".to_owned(), json!(variable)),
            (key.to_owned(), value),
        ])
    }
}

/// A whole state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    pub comment: String,
    pub start_at: String,
    pub timeout_seconds: Option<u32>,
    /// States in the order they were added.
    pub states: Vec<(String, State)>,
}

impl StateMachine {
    /// A machine starting at `start_at`, with no states yet.
    pub fn new(comment: &str, start_at: &str) -> Self {
        StateMachine {
            comment: comment.to_owned(),
            start_at: start_at.to_owned(),
            timeout_seconds: None,
            states: Vec::new(),
        }
    }

    /// Cap the whole execution.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Add a state.
    pub fn state(mut self, name: &str, state: State) -> Self {
        self.states.push((name.to_owned(), state));
        self
    }

    /// The state called `name`.
    pub fn get(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// Every resource ARN a Task state names in its parameters under `key` (`FunctionName`, `Cluster`,
    /// `TaskDefinition`, `TableName`), in order, without repeats.
    pub fn parameter_values(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for state in self.every_state() {
            let parameters: Vec<&Value> = match state {
                State::Task { parameters, .. } => vec![parameters],
                State::Map(map) => vec![&map.reader, &map.writer],
                _ => vec![],
            };
            for value in parameters
                .into_iter()
                .filter_map(|p| p.get(key).and_then(Value::as_str))
            {
                if !out.iter().any(|v| v == value) {
                    out.push(value.to_owned());
                }
            }
        }
        out
    }

    /// The service integrations the machine uses (`arn:aws:states:::lambda:invoke`, …; a Map's S3 reader and
    /// writer), without repeats.
    pub fn integrations(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for state in self.every_state() {
            let resources: Vec<&str> = match state {
                State::Task { resource, .. } => vec![resource.as_str()],
                State::Map(_) => vec![S3_GET_OBJECT, S3_PUT_OBJECT],
                _ => vec![],
            };
            for resource in resources {
                if !out.contains(&resource) {
                    out.push(resource);
                }
            }
        }
        out
    }

    /// Whether a state runs child executions (a distributed Map), which Step Functions starts as executions of
    /// this machine.
    pub fn starts_children(&self) -> bool {
        self.every_state().any(|s| matches!(s, State::Map(_)))
    }

    /// Every state, those of Map processors included.
    pub fn every_state(&self) -> Box<dyn Iterator<Item = &State> + '_> {
        Box::new(self.states.iter().flat_map(|(_, state)| {
            let nested: Box<dyn Iterator<Item = &State>> = match state {
                State::Map(map) => map.processor.every_state(),
                _ => Box::new(std::iter::empty()),
            };
            std::iter::once(state).chain(nested)
        }))
    }

    /// The ASL document.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("Comment".into(), json!(self.comment));
        out.insert("StartAt".into(), json!(self.start_at));
        if let Some(seconds) = self.timeout_seconds {
            out.insert("TimeoutSeconds".into(), json!(seconds));
        }
        let states: Map<String, Value> = self
            .states
            .iter()
            .map(|(name, state)| (name.clone(), state.to_json()))
            .collect();
        out.insert("States".into(), Value::Object(states));
        Value::Object(out)
    }
}
