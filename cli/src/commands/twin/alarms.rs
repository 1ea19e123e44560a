//! Alarm actions in the twin, fired on demand as schedules are (decision W49): `POST /alarms/{alarm}` on the
//! control endpoint moves a planned CloudWatch alarm from OK to ALARM and runs its planned `alarmActions` as
//! CloudWatch runs them. An SNS topic gets CloudWatch's alarm notification (published on the emulator); a
//! Lambda function gets CloudWatch's alarm event, provided a planned permission lets
//! `lambda.alarms.cloudwatch.amazonaws.com` invoke it from this alarm's ARN (without one, CloudWatch's
//! invocation is refused, and so is the twin's). The twin does not evaluate metrics: which alarm fires is the
//! caller's choice, what it then does is the plan's.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use tradai_stack_testing::semantics::alb_path_matches;

use super::control::{invoked, Answer};
use super::graph::Resource;
use super::lambda::Lambda;
use super::plane::Plane;

const ALARM: &str = "aws:cloudwatch/metricAlarm:MetricAlarm";
const PERMISSION: &str = "aws:lambda/permission:Permission";
const ALARMS_PRINCIPAL: &str = "lambda.alarms.cloudwatch.amazonaws.com";

/// The alarm's ARN, as CloudWatch names it.
fn alarm_arn(region: &str, name: &str) -> String {
    format!(
        "arn:aws:cloudwatch:{region}:{}:alarm:{name}",
        tradai_stack_testing::FAKE_ACCOUNT
    )
}

/// The metric the alarm watches, in the form both of CloudWatch's payloads carry it.
fn metric(alarm: Resource<'_>) -> Value {
    let text = |f: &str| alarm.optional_text(f).ok().flatten().unwrap_or_default();
    json!({
        "namespace": text("namespace"),
        "name": text("metricName"),
        "dimensions": alarm.get("dimensions").cloned().unwrap_or(json!({})),
        "period": alarm.get("period").cloned().unwrap_or(Value::Null),
        "stat": text("statistic"),
    })
}

/// CloudWatch's event for a Lambda alarm action: the alarm left OK for ALARM.
fn lambda_event(alarm: Resource<'_>, name: &str, region: &str, now: &str) -> Value {
    let m = metric(alarm);
    json!({
        "source": "aws.cloudwatch",
        "alarmArn": alarm_arn(region, name),
        "accountId": tradai_stack_testing::FAKE_ACCOUNT,
        "time": now,
        "region": region,
        "alarmData": {
            "alarmName": name,
            "state": {"value": "ALARM", "reason": "Fired through the twin's control endpoint", "timestamp": now},
            "previousState": {"value": "OK", "reason": "The twin's initial state", "timestamp": now},
            "configuration": {
                "description": alarm.optional_text("alarmDescription").ok().flatten(),
                "metrics": [{
                    "id": "m1",
                    "metricStat": {
                        "metric": {"namespace": m["namespace"], "name": m["name"], "dimensions": m["dimensions"]},
                        "period": m["period"],
                        "stat": m["stat"],
                    },
                    "returnData": true,
                }],
            },
        },
    })
}

/// CloudWatch's notification for an SNS alarm action.
fn notification(alarm: Resource<'_>, name: &str, region: &str, now: &str) -> Value {
    let m = metric(alarm);
    json!({
        "AlarmName": name,
        "AlarmDescription": alarm.optional_text("alarmDescription").ok().flatten(),
        "AWSAccountId": tradai_stack_testing::FAKE_ACCOUNT,
        "NewStateValue": "ALARM",
        "NewStateReason": "Fired through the twin's control endpoint",
        "StateChangeTime": now,
        "Region": region,
        "AlarmArn": alarm_arn(region, name),
        "OldStateValue": "OK",
        "Trigger": {
            "MetricName": m["name"],
            "Namespace": m["namespace"],
            "Statistic": m["stat"],
            "Period": m["period"],
            "Dimensions": m["dimensions"],
            "ComparisonOperator": alarm.get("comparisonOperator"),
            "Threshold": alarm.get("threshold"),
            "EvaluationPeriods": alarm.get("evaluationPeriods"),
        },
    })
}

/// Whether a planned permission lets CloudWatch alarms invoke `function` from the alarm `arn`.
fn permitted(plane: &Plane, function: &str, arn: &str) -> bool {
    plane.graph.of_type(PERMISSION).any(|p| {
        let text = |f: &str| p.optional_text(f).ok().flatten().unwrap_or_default();
        text("principal") == ALARMS_PRINCIPAL
            && (text("function") == function || text("function").ends_with(&format!(":{function}")))
            && p.optional_text("sourceArn")
                .ok()
                .flatten()
                .is_none_or(|source| alb_path_matches(source.as_bytes(), arn.as_bytes()))
    })
}

/// Run the planned actions of alarm `name`; each action's outcome.
pub async fn fire(plane: &Arc<Plane>, lambdas: &[Arc<Lambda>], name: &str) -> Answer {
    let Some(alarm) = plane
        .graph
        .of_type(ALARM)
        .find(|a| a.optional_text("alarmName").ok().flatten() == Some(name) || a.text("name").ok() == Some(name))
    else {
        let message = format!("no planned alarm is {name}; `tradai infra plan` lists them");
        return (StatusCode::NOT_FOUND, Json(json!({"error": message})));
    };
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let region = plane.region.as_str();
    let arn = alarm_arn(region, name);
    let mut actions = Vec::new();
    let mut all_succeeded = true;
    for action in alarm.texts("alarmActions").unwrap_or_default() {
        let outcome = match action.split(':').nth(2) {
            Some("sns") => {
                let message = notification(alarm, name, region, &now).to_string();
                let subject = format!("ALARM: \"{name}\" in {region}");
                match plane.clients.sns.publish().topic_arn(action).subject(subject).message(message).send().await {
                    Ok(sent) => json!({"published": sent.message_id()}),
                    Err(e) => {
                        all_succeeded = false;
                        json!({"error": "SNS", "message": aws_sdk_sns::error::DisplayErrorContext(e).to_string()})
                    }
                }
            }
            Some("lambda") => match lambdas.iter().find(|l| l.function.answers_to(&plane.graph, action)) {
                None => {
                    all_succeeded = false;
                    json!({"error": "Twin", "message": "no planned function is this action"})
                }
                Some(lambda) if !permitted(plane, &lambda.function.name, &arn) => {
                    all_succeeded = false;
                    let message = format!(
                        "no planned permission lets {ALARMS_PRINCIPAL} invoke {} from {arn}",
                        lambda.function.name
                    );
                    json!({"error": "AccessDeniedException", "message": message})
                }
                Some(lambda) => {
                    let (succeeded, outcome) = invoked(lambda, lambda_event(alarm, name, region, &now)).await;
                    all_succeeded &= succeeded;
                    json!({"function": lambda.function.name, "outcome": outcome})
                }
            },
            _ => {
                all_succeeded = false;
                json!({"error": "Twin", "message": "the twin runs SNS and Lambda alarm actions only"})
            }
        };
        actions.push(json!({"action": action, "outcome": outcome}));
    }
    let status = if all_succeeded {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    (status, Json(json!({"alarm": name, "state": "ALARM", "actions": actions})))
}

#[cfg(test)]
mod tests {
    use super::super::graph::{planned, Graph};
    use super::*;

    #[test]
    fn the_lambda_event_is_cloudwatchs() {
        let graph = Graph::new(vec![planned(
            ALARM,
            "a",
            json!({"name": "tradai-dev-drift-significant", "namespace": "TradAI", "metricName": "DriftPSI",
                   "dimensions": {"Environment": "dev"}, "period": 300.0, "statistic": "Maximum"}),
        )]);
        let alarm = graph.of_type(ALARM).next().expect("alarm");
        let event = lambda_event(alarm, "tradai-dev-drift-significant", "eu-central-1", "2026-11-30T00:00:00Z");
        let parsed: aws_lambda_events::cloudwatch_alarms::CloudWatchAlarm<Value, Value> =
            serde_json::from_value(event.clone()).expect("CloudWatch's alarm event");
        assert_eq!(parsed.alarm_data.alarm_name, "tradai-dev-drift-significant");
        assert_eq!(
            event["alarmArn"],
            "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:tradai-dev-drift-significant"
        );
        assert_eq!(event["alarmData"]["configuration"]["metrics"][0]["metricStat"]["metric"]["name"], "DriftPSI");
    }
}
