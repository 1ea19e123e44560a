//! Reading an ASL document back into [`StateMachine`]: the subset `to_json` writes, so a deployed definition
//! (the planned graph's, or one read from Step Functions) can run in the local interpreter. Anything outside
//! the subset is an error naming the state and the field, never a silent approximation.

use serde_json::{Map, Value};

use crate::asl::{Catch, Condition, Retry, State, StateMachine, Transition};
use crate::map::{MapState, S3_GET_OBJECT, S3_PUT_OBJECT};

/// Why a document is not one the interpreter can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ASL {at}: {problem}")]
pub struct AslError {
    /// `States.<name>.<field>`, or the top-level field.
    pub at: String,
    pub problem: String,
}

fn error(at: impl Into<String>, problem: impl Into<String>) -> AslError {
    AslError {
        at: at.into(),
        problem: problem.into(),
    }
}

fn text(object: &Map<String, Value>, field: &str, at: &str) -> Result<String, AslError> {
    object
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| error(format!("{at}.{field}"), "is missing or not a string"))
}

fn optional_text(
    object: &Map<String, Value>,
    field: &str,
    at: &str,
) -> Result<Option<String>, AslError> {
    match object.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(error(format!("{at}.{field}"), "is not a string")),
    }
}

fn count(value: Option<&Value>, at: &str) -> Result<Option<u32>, AslError> {
    match value {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| error(at, format!("is {v}: expected a whole number"))),
    }
}

fn errors(object: &Map<String, Value>, at: &str) -> Result<Vec<String>, AslError> {
    object
        .get("ErrorEquals")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| error(format!("{at}.ErrorEquals"), "is missing or not a list"))
}

fn transition(object: &Map<String, Value>, at: &str) -> Result<Transition, AslError> {
    match (
        object.get("Next").and_then(Value::as_str),
        object.get("End"),
    ) {
        (Some(next), None) => Ok(Transition::Next(next.to_owned())),
        (None, Some(Value::Bool(true))) => Ok(Transition::End),
        _ => Err(error(at, "needs exactly one of Next or End: true")),
    }
}

fn retry(value: &Value, at: &str) -> Result<Retry, AslError> {
    let r = value
        .as_object()
        .ok_or_else(|| error(at, "is not an object"))?;
    Ok(Retry {
        errors: errors(r, at)?,
        interval_seconds: count(r.get("IntervalSeconds"), &format!("{at}.IntervalSeconds"))?
            .unwrap_or(1),
        max_attempts: count(r.get("MaxAttempts"), &format!("{at}.MaxAttempts"))?.unwrap_or(3),
        backoff_rate: r.get("BackoffRate").and_then(Value::as_f64).unwrap_or(2.0),
        max_delay_seconds: count(r.get("MaxDelaySeconds"), &format!("{at}.MaxDelaySeconds"))?,
    })
}

fn catch(value: &Value, at: &str) -> Result<Catch, AslError> {
    let c = value
        .as_object()
        .ok_or_else(|| error(at, "is not an object"))?;
    Ok(Catch {
        errors: errors(c, at)?,
        result_path: optional_text(c, "ResultPath", at)?.unwrap_or_else(|| "$".into()),
        next: text(c, "Next", at)?,
    })
}

/// A state's Catch blocks.
fn catches(s: &Map<String, Value>, at: &str) -> Result<Vec<Catch>, AslError> {
    list(s, "Catch")
        .iter()
        .enumerate()
        .map(|(i, c)| catch(c, &format!("{at}.Catch[{i}]")))
        .collect()
}

fn list<'a>(object: &'a Map<String, Value>, field: &str) -> &'a [Value] {
    object
        .get(field)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn condition(rule: &Map<String, Value>, at: &str) -> Result<Condition, AslError> {
    let variable = text(rule, "Variable", at)?;
    if let Some(value) = rule.get("StringEquals") {
        let value = value
            .as_str()
            .ok_or_else(|| error(format!("{at}.StringEquals"), "is not a string"))?;
        return Ok(Condition::StringEquals(variable, value.to_owned()));
    }
    if let Some(value) = rule.get("BooleanEquals") {
        let value = value
            .as_bool()
            .ok_or_else(|| error(format!("{at}.BooleanEquals"), "is not a boolean"))?;
        return Ok(Condition::BooleanEquals(variable, value));
    }
    if let Some(other) = rule.get("NumericLessThanPath") {
        let other = other
            .as_str()
            .ok_or_else(|| error(format!("{at}.NumericLessThanPath"), "is not a path"))?;
        return Ok(Condition::NumericLessThanPath(variable, other.to_owned()));
    }
    Err(error(
        at,
        "has a comparison the interpreter does not run (StringEquals, BooleanEquals and NumericLessThanPath only)",
    ))
}

fn state(s: &Map<String, Value>, at: &str) -> Result<State, AslError> {
    let kind = text(s, "Type", at)?;
    match kind.as_str() {
        "Task" => Ok(State::Task {
            resource: text(s, "Resource", at)?,
            parameters: s
                .get("Parameters")
                .cloned()
                .unwrap_or(Value::Object(Map::new())),
            result_selector: s.get("ResultSelector").cloned(),
            result_path: optional_text(s, "ResultPath", at)?,
            timeout_seconds: count(s.get("TimeoutSeconds"), &format!("{at}.TimeoutSeconds"))?,
            retry: list(s, "Retry")
                .iter()
                .enumerate()
                .map(|(i, r)| retry(r, &format!("{at}.Retry[{i}]")))
                .collect::<Result<_, _>>()?,
            catch: catches(s, at)?,
            transition: transition(s, at)?,
        }),
        "Choice" => {
            let mut rules = Vec::new();
            for (i, rule) in list(s, "Choices").iter().enumerate() {
                let at = format!("{at}.Choices[{i}]");
                let rule = rule
                    .as_object()
                    .ok_or_else(|| error(&at, "is not an object"))?;
                rules.push((condition(rule, &at)?, text(rule, "Next", &at)?));
            }
            Ok(State::Choice {
                rules,
                default: text(s, "Default", at)?,
            })
        }
        "Pass" => Ok(State::Pass {
            parameters: s.get("Parameters").cloned(),
            result_path: optional_text(s, "ResultPath", at)?,
            transition: transition(s, at)?,
        }),
        "Map" => map(s, at).map(|m| State::Map(Box::new(m))),
        "Succeed" => Ok(State::Succeed),
        "Fail" => Ok(State::Fail {
            error: optional_text(s, "Error", at)?.unwrap_or_default(),
            cause: optional_text(s, "Cause", at)?.unwrap_or_default(),
        }),
        other => Err(error(
            format!("{at}.Type"),
            format!("is {other}: the interpreter runs Task, Choice, Pass, Map, Succeed and Fail"),
        )),
    }
}

/// A whole percentage, written as an integer or a float (`10` or `10.0`); absent: 0.
fn percent(value: Option<&Value>, at: &str) -> Result<u32, AslError> {
    match value.map(|v| (v, v.as_f64())) {
        None => Ok(0),
        Some((_, Some(p))) if p.fract() == 0.0 && (0.0..=100.0).contains(&p) => Ok(p as u32),
        Some((v, _)) => Err(error(
            format!("{at}.ToleratedFailurePercentage"),
            format!("is {v}: expected a whole percentage from 0 to 100"),
        )),
    }
}

/// A distributed Map: an S3 JSON item reader, a distributed STANDARD processor and an S3 result writer.
fn map(s: &Map<String, Value>, at: &str) -> Result<MapState, AslError> {
    let part = |field: &str, resource: &str| -> Result<Value, AslError> {
        let object = s
            .get(field)
            .and_then(Value::as_object)
            .ok_or_else(|| error(format!("{at}.{field}"), "is missing or not an object"))?;
        if object.get("Resource").and_then(Value::as_str) != Some(resource) {
            return Err(error(
                format!("{at}.{field}.Resource"),
                format!("is not {resource}"),
            ));
        }
        Ok(object.get("Parameters").cloned().unwrap_or(Value::Null))
    };
    let processor = s
        .get("ItemProcessor")
        .and_then(Value::as_object)
        .ok_or_else(|| error(format!("{at}.ItemProcessor"), "is missing or not an object"))?;
    let mode = processor
        .get("ProcessorConfig")
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str);
    if mode != Some("DISTRIBUTED") {
        return Err(error(
            format!("{at}.ItemProcessor.ProcessorConfig.Mode"),
            "is not DISTRIBUTED (the interpreter runs distributed Maps only)",
        ));
    }
    Ok(MapState {
        reader: part("ItemReader", S3_GET_OBJECT)?,
        item_selector: s.get("ItemSelector").cloned(),
        processor: StateMachine::from_json(&Value::Object(processor.clone()))
            .map_err(|e| error(format!("{at}.ItemProcessor.{}", e.at), e.problem))?,
        max_concurrency: count(s.get("MaxConcurrency"), &format!("{at}.MaxConcurrency"))?
            .unwrap_or(0),
        tolerated_failure_percentage: percent(s.get("ToleratedFailurePercentage"), at)?,
        writer: part("ResultWriter", S3_PUT_OBJECT)?,
        result_path: optional_text(s, "ResultPath", at)?,
        catch: catches(s, at)?,
        transition: transition(s, at)?,
    })
}

impl StateMachine {
    /// The machine `document` describes (an ASL definition in the subset [`StateMachine::to_json`] writes).
    pub fn from_json(document: &Value) -> Result<StateMachine, AslError> {
        let top = document
            .as_object()
            .ok_or_else(|| error("(document)", "is not an object"))?;
        let states = top
            .get("States")
            .and_then(Value::as_object)
            .ok_or_else(|| error("States", "is missing or not an object"))?;
        let mut machine = StateMachine::new(
            &optional_text(top, "Comment", "(document)")?.unwrap_or_default(),
            &text(top, "StartAt", "(document)")?,
        );
        machine.timeout_seconds = count(top.get("TimeoutSeconds"), "TimeoutSeconds")?;
        for (name, s) in states {
            let at = format!("States.{name}");
            let s = s
                .as_object()
                .ok_or_else(|| error(&at, "is not an object"))?;
            machine = machine.state(name, state(s, &at)?);
        }
        if machine.get(&machine.start_at).is_none() {
            return Err(error(
                "StartAt",
                format!("names {}, which is not a state", machine.start_at),
            ));
        }
        Ok(machine)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_workflow_reads_back_as_written() {
        let config = tradai_config::Loader::embedded()
            .load(tradai_config::Environment::Dev)
            .expect("the dev config");
        let targets = crate::sample::targets(&config);
        for (key, spec) in &config.settings().workflows {
            let machine = crate::definition(key, spec, &targets).expect("a definition");
            let read = StateMachine::from_json(&machine.to_json()).expect("reads back");
            assert_eq!(read, machine, "{key}");
        }
    }

    #[test]
    fn what_the_interpreter_cannot_run_is_named() {
        let parallel = json!({"StartAt": "M", "States": {"M": {"Type": "Parallel", "End": true}}});
        assert_eq!(
            StateMachine::from_json(&parallel).expect_err("Parallel").to_string(),
            "ASL States.M.Type: is Parallel: the interpreter runs Task, Choice, Pass, Map, Succeed and Fail"
        );
        let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true}}});
        assert_eq!(
            StateMachine::from_json(&map).expect_err("Map").to_string(),
            "ASL States.M.ItemProcessor: is missing or not an object"
        );
        let inline = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "S", "States": {"S": {"Type": "Succeed"}}}}}});
        assert_eq!(
            StateMachine::from_json(&inline).expect_err("inline").to_string(),
            "ASL States.M.ItemProcessor.ProcessorConfig.Mode: is not DISTRIBUTED (the interpreter runs distributed Maps only)"
        );
        let both =
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Q", "End": true}}});
        assert!(StateMachine::from_json(&both).is_err());
        let nowhere = json!({"StartAt": "X", "States": {"P": {"Type": "Succeed"}}});
        assert_eq!(
            StateMachine::from_json(&nowhere)
                .expect_err("start")
                .to_string(),
            "ASL StartAt: names X, which is not a state"
        );
        let numeric = json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "C",
            "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "C"}]}}});
        assert!(StateMachine::from_json(&numeric)
            .expect_err("numeric")
            .to_string()
            .contains("States.C.Choices[0]"));
    }
}
