//! Equity and report data come from the result document of a COMPLETED job.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::json;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{JobUpdate, ObjectStore, StoredObject};
use tradai_domain::JobStatus;

use crate::harness::{request, Backend};

#[tokio::test]
async fn results_are_served_once_the_job_completed() {
    let backend = Backend::start(false).await;
    let job = backend.submit(request(), &[]).await;
    let job_id = job.body["job_id"].as_str().expect("id").to_owned();
    let early = backend
        .get(
            &format!("/api/v1/backtests/{job_id}/equity"),
            &backend.reader,
        )
        .await;
    assert_eq!(
        (early.status, early.body["details"]["status"].as_str()),
        (StatusCode::CONFLICT, Some("PENDING"))
    );
    for status in [JobStatus::Running, JobStatus::Completed] {
        backend
            .jobs
            .transition(&job_id, status, JobUpdate::default(), Timestamp::now())
            .await
            .expect("transition");
    }
    let missing = backend
        .get(
            &format!("/api/v1/backtests/{job_id}/report-data"),
            &backend.reader,
        )
        .await;
    assert_eq!(
        (missing.status, missing.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
    let document = json!({
        "metrics": {"profit_total": 0.12, "sharpe_ratio": 1.4, "max_drawdown": 0.08, "win_rate": 0.55, "trade_count": 31},
        "equity_curve": [{"t": "2024-01-01T00:00:00Z", "equity": 1000.0}, {"t": "2024-06-30T00:00:00Z", "equity": 1120.0}],
        "trades": [],
    });
    backend
        .memory()
        .results
        .put(
            &format!("backtests/{job_id}/result.json"),
            StoredObject {
                body: document.to_string().into_bytes(),
                content_type: "application/json".into(),
                metadata: BTreeMap::new(),
            },
        )
        .await
        .expect("put");
    let equity = backend
        .get(
            &format!("/api/v1/backtests/{job_id}/equity"),
            &backend.reader,
        )
        .await;
    assert_eq!(equity.status, StatusCode::OK);
    assert_eq!(equity.body["equity_curve"], document["equity_curve"]);
    let report = backend
        .get(
            &format!("/api/v1/backtests/{job_id}/report-data"),
            &backend.reader,
        )
        .await;
    assert_eq!(report.body, document);
}
