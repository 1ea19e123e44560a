//! A loopback HTTP server that answers like the Binance USD-M futures REST API from a [`Recording`]: klines
//! paged by `startTime`/`endTime`/`limit` (default 500, at most 1,500), funding rates paged the same way
//! (default 100, at most 1,000; `symbol` required here, while Binance would answer every symbol without it),
//! `exchangeInfo`, Binance's error bodies, and the `X-MBX-USED-WEIGHT-1M` header. Faults queued with
//! [`ReplayServer::fail_next`] are answered first, in order, by whichever endpoint is called next, to exercise
//! retries and rate limits. Every klines and every funding request is logged.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::Recording;

/// An answer to give instead of the recorded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This status, with `Retry-After: seconds` when given.
    Status(u16, Option<u64>),
    /// The recorded answer, reporting this used weight.
    Weight(u64),
    /// The recorded answer, after this long (longer than the client's timeout: a request that times out).
    Stall(std::time::Duration),
}

#[derive(Debug)]
struct Shared {
    recording: Recording,
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<Vec<BTreeMap<String, String>>>,
    funding_log: Mutex<Vec<BTreeMap<String, String>>>,
}

/// The running server; stops when dropped.
#[derive(Debug)]
pub struct ReplayServer {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ReplayServer {
    /// Serve `recording` on a free loopback port.
    pub async fn start(recording: Recording) -> ReplayServer {
        let shared = Arc::new(Shared {
            recording,
            faults: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
            funding_log: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/fapi/v1/klines", get(klines))
            .route("/fapi/v1/fundingRate", get(funding_rate))
            .route("/fapi/v1/exchangeInfo", get(exchange_info))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ReplayServer { url, shared, task }
    }

    /// The base URL (`http://127.0.0.1:port`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answer the next request with `fault` (after any queued before it).
    pub fn fail_next(&self, fault: Fault) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(fault);
    }

    /// The query of every klines request so far.
    pub fn klines_requests(&self) -> Vec<BTreeMap<String, String>> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The query of every funding-rate request so far.
    pub fn funding_requests(&self) -> Vec<BTreeMap<String, String>> {
        self.shared
            .funding_log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({ "code": code, "msg": message }))).into_response()
}

/// The queued fault, if any: a full answer, or the weight to report (after the stall, for a stall).
async fn fault(shared: &Shared) -> Result<Option<u64>, Box<Response>> {
    let next = shared
        .faults
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop_front();
    match next {
        None => Ok(None),
        Some(Fault::Weight(w)) => Ok(Some(w)),
        Some(Fault::Stall(wait)) => {
            tokio::time::sleep(wait).await;
            Ok(None)
        }
        Some(Fault::Status(status, retry_after)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut headers = HeaderMap::new();
            if let Some(seconds) = retry_after {
                headers.insert("retry-after", HeaderValue::from(seconds));
            }
            Err((
                status,
                headers,
                Json(json!({ "code": -1003, "msg": "Too many requests." })),
            )
                .into_response()
                .into())
        }
    }
}

fn with_weight(body: serde_json::Value, weight: u64) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert("x-mbx-used-weight-1m", HeaderValue::from(weight));
    response
}

/// `startTime`, `endTime` and `limit` of a paged query (absent: the defaults), or Binance's answer to a bad
/// one.
fn paging(
    query: &BTreeMap<String, String>,
    default_limit: i64,
    max_limit: i64,
) -> Result<(i64, i64, usize), Box<Response>> {
    let number = |key: &str, default: i64| {
        query
            .get(key)
            .map_or(Some(default), |v| v.parse::<i64>().ok())
    };
    let (Some(start), Some(end), Some(limit)) = (
        number("startTime", 0),
        number("endTime", i64::MAX),
        number("limit", default_limit),
    ) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            -1100,
            "Illegal characters found in a parameter.",
        )
        .into());
    };
    match usize::try_from(limit) {
        Ok(rows) if (1..=max_limit).contains(&limit) => Ok((start, end, rows)),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            -1130,
            "Invalid data sent for a parameter.",
        )
        .into()),
    }
}

async fn funding_rate(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    shared
        .funding_log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(query.clone());
    let weight = match fault(&shared).await {
        Ok(weight) => weight.unwrap_or(1),
        Err(response) => return *response,
    };
    let Some(symbol) = query.get("symbol") else {
        return error(
            StatusCode::BAD_REQUEST,
            -1102,
            "Mandatory parameter 'symbol' was not sent.",
        );
    };
    let (start, end, limit) = match paging(&query, 100, 1000) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    match shared.recording.funding_page(symbol, start, end, limit) {
        Some(rows) => with_weight(json!(rows), weight),
        None => error(StatusCode::BAD_REQUEST, -1121, "Invalid symbol."),
    }
}

async fn klines(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    shared
        .log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(query.clone());
    let weight = match fault(&shared).await {
        Ok(weight) => weight.unwrap_or(10),
        Err(response) => return *response,
    };
    let (Some(symbol), Some(interval)) = (query.get("symbol"), query.get("interval")) else {
        return error(
            StatusCode::BAD_REQUEST,
            -1102,
            "Mandatory parameter 'symbol' or 'interval' was not sent.",
        );
    };
    let (start, end, limit) = match paging(&query, 500, 1500) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    match shared.recording.page(symbol, interval, start, end, limit) {
        Some(rows) => with_weight(json!(rows), weight),
        None => error(StatusCode::BAD_REQUEST, -1121, "Invalid symbol."),
    }
}

async fn exchange_info(State(shared): State<Arc<Shared>>) -> Response {
    match fault(&shared).await {
        Ok(weight) => with_weight(
            shared.recording.exchange_info().clone(),
            weight.unwrap_or(1),
        ),
        Err(response) => *response,
    }
}
