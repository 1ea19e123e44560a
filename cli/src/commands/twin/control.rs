//! The twin's control endpoint on loopback: `POST /rules/{rule}` fires a planned EventBridge schedule now, as
//! EventBridge would at its next tick: each of the rule's planned targets (a function) is invoked with the
//! scheduled event (or the target's planned constant input), and the answer lists each target's outcome.
//! `tradai twin fire <rule> --twin URL` is its client.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use tradai_lambdas::runtime_api::Outcome;

use super::lambda::Lambda;
use super::plane::Plane;

const RULE: &str = "aws:cloudwatch/eventRule:EventRule";
const TARGET: &str = "aws:cloudwatch/eventTarget:EventTarget";

#[derive(Debug)]
struct Shared {
    plane: Arc<Plane>,
    lambdas: Vec<Arc<Lambda>>,
}

type Answer = (StatusCode, Json<Value>);

/// The event EventBridge sends for a schedule of `rule` in `region`.
fn scheduled_event(rule: &str, region: &str) -> Value {
    let account = tradai_stack_testing::FAKE_ACCOUNT;
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{account}:rule/{rule}")],
        "detail": {}
    })
}

async fn fire(State(shared): State<Arc<Shared>>, Path(rule): Path<String>) -> Answer {
    let graph = &shared.plane.graph;
    let Some(planned) = graph
        .of_type(RULE)
        .find(|r| r.text("name").ok() == Some(rule.as_str()))
    else {
        let rules: Vec<&str> = graph
            .of_type(RULE)
            .filter_map(|r| r.text("name").ok())
            .collect();
        let message = format!(
            "no planned rule is {rule}; the planned rules: {}",
            rules.join(", ")
        );
        return (StatusCode::NOT_FOUND, Json(json!({"error": message})));
    };
    if planned
        .optional_text("scheduleExpression")
        .ok()
        .flatten()
        .is_none()
    {
        let message =
            format!("{rule} is matched by events, not a schedule: only scheduled rules are fired");
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": message})),
        );
    }
    let mut targets = Vec::new();
    let mut all_succeeded = true;
    for target in graph
        .of_type(TARGET)
        .filter(|t| t.text("rule").ok() == Some(rule.as_str()))
    {
        let arn = target.text("arn").unwrap_or_default();
        let Some(lambda) = shared
            .lambdas
            .iter()
            .find(|l| l.function.answers_to(graph, arn))
        else {
            all_succeeded = false;
            targets.push(json!({"target": arn, "error": "no planned function is this target"}));
            continue;
        };
        let event = match target.optional_text("input").ok().flatten() {
            Some(input) => serde_json::from_str(input).unwrap_or(Value::String(input.to_owned())),
            None => scheduled_event(&rule, &shared.plane.region),
        };
        let outcome = match lambda.invoke(event).await {
            Ok(Outcome::Response(answer)) => json!({"response": answer}),
            Ok(Outcome::Error {
                error_type,
                error_message,
            }) => {
                all_succeeded = false;
                json!({"error": error_type, "message": error_message})
            }
            Err(e) => {
                all_succeeded = false;
                json!({"error": "Twin", "message": format!("{e:#}")})
            }
        };
        targets.push(json!({"function": lambda.function.name, "outcome": outcome}));
    }
    let status = if all_succeeded {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    (status, Json(json!({"rule": rule, "targets": targets})))
}

/// Serve the control endpoint on a free loopback port; its base URL.
pub async fn start(plane: Arc<Plane>, lambdas: Vec<Arc<Lambda>>) -> anyhow::Result<String> {
    let app = axum::Router::new()
        .route("/rules/{rule}", axum::routing::post(fire))
        .with_state(Arc::new(Shared { plane, lambdas }));
    let address = super::plane::serve_loopback(app).await?;
    Ok(format!("http://{}", address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduled_event_names_its_rule() {
        let event = scheduled_event("tradai-health-check-dev-trigger-0", "eu-central-1");
        assert_eq!(event["detail-type"], "Scheduled Event");
        assert_eq!(
            event["resources"][0],
            "arn:aws:events:eu-central-1:123456789012:rule/tradai-health-check-dev-trigger-0"
        );
    }
}
