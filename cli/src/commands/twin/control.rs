//! The twin's control endpoint on loopback: `POST /rules/{rule}` fires a planned EventBridge schedule now, as
//! EventBridge would at its next tick: each of the rule's planned targets (a function) is invoked with the
//! scheduled event (or the target's planned constant input), and the answer lists each target's outcome.
//! `POST /alarms/{alarm}` sets a planned alarm to ALARM and runs its planned actions ([`super::alarms`]).
//! `tradai twin fire <rule> --twin URL` (`--alarm` for an alarm) is its client. `GET /iam` answers what the AWS front held to the planned
//! policies (calls checked, denials, what each role used), `GET /tasks` the ECS tasks the twin started, and
//! `POST /clock?advance=<seconds>` moves the emulator's SQS clock forward (the twin's own moto only), so the
//! planned visibility timeouts and redrives play out without waiting for them.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use tradai_lambdas::runtime_api::Outcome;

use super::front::Front;
use super::lambda::Lambda;
use super::plane::Plane;

const RULE: &str = "aws:cloudwatch/eventRule:EventRule";
const TARGET: &str = "aws:cloudwatch/eventTarget:EventTarget";

#[derive(Debug)]
struct Shared {
    plane: Arc<Plane>,
    lambdas: Vec<Arc<Lambda>>,
    front: Arc<Front>,
}

pub type Answer = (StatusCode, Json<Value>);

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

/// Invoke `lambda` with `event`: whether it succeeded, and its outcome (`response`, or `error` and `message`).
pub async fn invoked(lambda: &Lambda, event: Value) -> (bool, Value) {
    match lambda.invoke(event).await {
        Ok(Outcome::Response(answer)) => (true, json!({"response": answer})),
        Ok(Outcome::Error {
            error_type,
            error_message,
        }) => (false, json!({"error": error_type, "message": error_message})),
        Err(e) => (false, json!({"error": "Twin", "message": format!("{e:#}")})),
    }
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
        let (succeeded, outcome) = invoked(lambda, event).await;
        all_succeeded &= succeeded;
        targets.push(json!({"function": lambda.function.name, "outcome": outcome}));
    }
    let status = if all_succeeded {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    (status, Json(json!({"rule": rule, "targets": targets})))
}

async fn alarm(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Answer {
    super::alarms::fire(&shared.plane, &shared.lambdas, &name).await
}

async fn iam(State(shared): State<Arc<Shared>>) -> Json<super::iam::Ledger> {
    Json(shared.front.gate.ledger())
}

async fn tasks(State(shared): State<Arc<Shared>>) -> Json<Vec<super::tasks::Listed>> {
    Json(shared.front.tasks.list())
}

#[derive(Debug, serde::Deserialize)]
struct Advance {
    advance: f64,
}

async fn clock(State(shared): State<Arc<Shared>>, Query(by): Query<Advance>) -> Answer {
    let endpoint = shared.plane.clients.sdk.endpoint_url().unwrap_or_default();
    let url = format!("{endpoint}/moto-api/twin/sqs-clock?advance={}", by.advance);
    let answer = reqwest::Client::new().post(url).send().await;
    let (status, text) = match answer {
        Ok(a) => (a.status().as_u16(), a.text().await.unwrap_or_default()),
        Err(e) => (503, e.to_string()),
    };
    match (status, serde_json::from_str::<Value>(&text)) {
        (200, Ok(body)) => (StatusCode::OK, Json(body)),
        (404, _) => (
            StatusCode::CONFLICT,
            Json(json!({"error": format!("{endpoint} has no SQS clock to move: only the moto the twin starts has one")})),
        ),
        (status, _) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            Json(json!({"error": text})),
        ),
    }
}

/// Serve the control endpoint on a free loopback port; its base URL.
pub async fn start(plane: Arc<Plane>, lambdas: Vec<Arc<Lambda>>, front: Arc<Front>) -> anyhow::Result<String> {
    let app = axum::Router::new()
        .route("/rules/{rule}", axum::routing::post(fire))
        .route("/alarms/{alarm}", axum::routing::post(alarm))
        .route("/iam", axum::routing::get(iam))
        .route("/tasks", axum::routing::get(tasks))
        .route("/clock", axum::routing::post(clock))
        .with_state(Arc::new(Shared { plane, lambdas, front }));
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
