//! The twin's AWS front: the endpoint every process of the twin is given (`AWS_ENDPOINT_URL`), in front of the
//! emulator (decision W47). Each signed request is classified and held to its caller's planned policies
//! ([`super::iam`]): a call they do not allow is answered as AWS answers it, and never reaches the emulator.
//! An allowed `ecs:RunTask` starts its tasks as processes ([`super::tasks`]); anything else is relayed to the
//! emulator as received.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::calls::{self, Protocol};
use super::iam::{Denial, Gate};
use super::plane::Plane;
use super::tasks::Tasks;

/// The largest request the front reads (S3 objects the platform writes are far smaller).
const MAX_BODY: usize = 1 << 30;

/// The emulator's longest answer (an SQS long poll is 20 s).
const RELAY_TIMEOUT: Duration = Duration::from_secs(120);

/// The front's state.
#[derive(Debug)]
pub struct Front {
    pub gate: Arc<Gate>,
    pub tasks: Arc<Tasks>,
    emulator: String,
    http: reqwest::Client,
    plane: OnceLock<Arc<Plane>>,
}

impl Front {
    /// From now on, `RunTask` starts processes of `plane`'s task definitions.
    pub fn attach(&self, plane: Arc<Plane>) {
        let _ = self.plane.set(plane);
    }
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// AWS's answer to a call IAM denies, in the service's protocol.
fn denied(protocol: Protocol, denial: &Denial) -> Response {
    let message = denial.message();
    let request_id = uuid::Uuid::new_v4().to_string();
    let json_error = |status: StatusCode, body: Value| {
        (
            status,
            [
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amzn-errortype", "AccessDeniedException"),
                ("x-amzn-requestid", request_id.as_str()),
            ],
            body.to_string(),
        )
            .into_response()
    };
    match protocol {
        Protocol::Json | Protocol::Cbor => json_error(
            StatusCode::BAD_REQUEST,
            json!({"__type": "AccessDeniedException", "message": message}),
        ),
        Protocol::RestJson => json_error(
            StatusCode::FORBIDDEN,
            json!({"Type": "User", "message": message}),
        ),
        Protocol::Query => (
            StatusCode::FORBIDDEN,
            [("content-type", "text/xml")],
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>{}</Message>\
                 </Error><RequestId>{request_id}</RequestId></ErrorResponse>",
                escaped(&message)
            ),
        )
            .into_response(),
        Protocol::RestXml => (
            StatusCode::FORBIDDEN,
            [("content-type", "application/xml")],
            format!(
                "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>\
                 <RequestId>{request_id}</RequestId></Error>"
            ),
        )
            .into_response(),
    }
}

fn ecs_answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("content-type", "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

async fn handle(State(front): State<Arc<Front>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body over 1 GiB").into_response();
    };
    let call = {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request = calls::Request {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or_default(),
            header: &header,
            body: &body,
        };
        calls::classify(&request, &front.gate.names)
    };
    if let Some(call) = call {
        if let Some(denial) = front.gate.check(&call) {
            return denied(call.protocol, &denial);
        }
        let plane = front.plane.get();
        if let (Some(plane), "ecs", "RunTask") = (plane, call.service.as_str(), call.operation.as_str()) {
            let task: Value = serde_json::from_slice(&body).unwrap_or_default();
            return match front.tasks.run(plane, &task).await {
                Ok(answer) => ecs_answer(200, answer),
                Err((status, error)) => ecs_answer(status, error),
            };
        }
    }
    super::relay::relay(&front.http, &parts, body, &front.emulator, RELAY_TIMEOUT)
        .await
        .unwrap_or_else(|e| {
            let text = format!("the emulator did not answer: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
        })
}

/// Serve the front of `emulator` on a free loopback port; its URL and state.
pub async fn start(gate: Arc<Gate>, emulator: &str) -> anyhow::Result<(String, Arc<Front>)> {
    let front = Arc::new(Front {
        gate,
        tasks: Arc::new(Tasks::default()),
        emulator: emulator.trim_end_matches('/').to_owned(),
        http: reqwest::Client::new(),
        plane: OnceLock::new(),
    });
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(front.clone());
    let address = super::plane::serve_loopback(app).await?;
    Ok((format!("http://{address}"), front))
}
