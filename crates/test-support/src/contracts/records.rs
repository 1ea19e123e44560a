//! Contracts of the state-table port and the job repository.

use std::sync::Arc;

use tradai_domain::entities::{NotificationRecord, RollbackRecord, Timestamp, TradingSession};
use tradai_domain::ports::{JobRepository, JobUpdate, Order, RecordKey, RecordStore, Transition};
use tradai_domain::{DomainError, JobStatus};

use crate::samples::{at, job, notification, rollback};

/// Create/get, conflicts, guarded transitions (stale rejected, one winner of a race), status and trace queries.
pub async fn job_repository(repo: &JobRepository) {
    let now = at("2026-01-01T00:00:10Z");
    let first = job("job-1", "trace-1", "2026-01-01T00:00:01Z");
    repo.create(&first).await.expect("create");
    assert_eq!(
        repo.get("job-1").await.expect("get").as_ref(),
        Some(&first),
        "a created job reads back unchanged"
    );
    assert!(
        repo.get("job-none").await.expect("get").is_none(),
        "a missing job is None"
    );
    repo.create(&first).await.expect(
        "the same job again is the ambiguous retry of a put whose answer was lost: it succeeded",
    );
    // A job stamped with the clock, as the backend makes it, reads back equal too (the retry's read-back).
    let mut fresh = job("job-now", "trace-now", "2026-01-01T00:00:01Z");
    (fresh.created_at, fresh.updated_at) = (Timestamp::now(), Timestamp::now());
    repo.create(&fresh).await.expect("create");
    repo.create(&fresh)
        .await
        .expect("a job stamped now is the same job when read back");
    repo.transition("job-now", JobStatus::Cancelled, JobUpdate::default(), now)
        .await
        .expect("out of the listings below");
    let mut other = first.clone();
    other.trace_id = "trace-other".into();
    let duplicate = repo.create(&other).await.expect_err("duplicate");
    assert!(
        matches!(duplicate, DomainError::Conflict(_)),
        "creating another job under an existing id is a conflict: {duplicate}"
    );

    let started = JobUpdate {
        started_at: Some(now),
        ..JobUpdate::default()
    };
    let Transition::Applied(running) = repo
        .transition("job-1", JobStatus::Running, started, now)
        .await
        .expect("transition")
    else {
        panic!("pending -> running must apply");
    };
    assert_eq!(
        (running.status, running.started_at),
        (JobStatus::Running, Some(now))
    );
    let repeat = repo
        .transition("job-1", JobStatus::Running, JobUpdate::default(), now)
        .await
        .expect("repeat");
    assert!(
        matches!(repeat, Transition::Applied(_)),
        "a same-state repeat is idempotent"
    );
    let stale = repo
        .transition("job-1", JobStatus::Pending, JobUpdate::default(), now)
        .await
        .expect("stale");
    assert_eq!(
        stale,
        Transition::Stale {
            current: JobStatus::Running
        },
        "running -> pending is stale"
    );

    let (a, b) = tokio::join!(
        repo.transition(
            "job-1",
            JobStatus::Completed,
            JobUpdate {
                result_key: Some("r.json".into()),
                ..JobUpdate::default()
            },
            now
        ),
        repo.transition("job-1", JobStatus::Cancelled, JobUpdate::default(), now),
    );
    let outcomes = [a.expect("a"), b.expect("b")];
    let winners = outcomes
        .iter()
        .filter(|o| matches!(o, Transition::Applied(_)))
        .count();
    assert_eq!(
        winners, 1,
        "exactly one of two racing terminal transitions wins: {outcomes:?}"
    );
    let after = repo.get("job-1").await.expect("get").expect("exists");
    assert!(matches!(
        after.status,
        JobStatus::Completed | JobStatus::Cancelled
    ));
    let again = repo
        .transition(
            "job-1",
            after.status,
            JobUpdate {
                result_key: Some("other.json".into()),
                ..JobUpdate::default()
            },
            now,
        )
        .await
        .expect("a terminal repeat is not an error");
    assert_eq!(
        again,
        Transition::Repeated(Box::new(after.clone())),
        "a terminal repeat writes nothing: the first end stands"
    );
    let missing = repo
        .transition("job-none", JobStatus::Running, JobUpdate::default(), now)
        .await
        .expect_err("missing");
    assert!(
        matches!(missing, DomainError::NotFound { .. }),
        "transition of a missing job: {missing}"
    );

    for (id, created) in [
        ("job-2", "2026-01-01T00:00:02Z"),
        ("job-3", "2026-01-01T00:00:03Z"),
        ("job-4", "2026-01-01T00:00:04Z"),
    ] {
        repo.create(&job(id, "trace-2", created))
            .await
            .expect("create");
    }
    let page = repo
        .list_by_status(JobStatus::Pending, 2, None)
        .await
        .expect("page 1");
    let ids: Vec<&str> = page.items.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids, ["job-4", "job-3"], "newest first");
    let cursor = page.next.expect("a second page");
    let page = repo
        .list_by_status(JobStatus::Pending, 2, Some(&cursor))
        .await
        .expect("page 2");
    let ids: Vec<&str> = page.items.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids, ["job-2"]);
    assert!(page.next.is_none(), "the last page has no cursor");
    let traced = repo.find_by_trace("trace-2").await.expect("trace");
    assert_eq!(traced.len(), 3);
}

/// Range queries on a sort key, newest first, limited.
pub async fn sorted_records(store: Arc<dyn RecordStore<RollbackRecord>>) {
    for when in [
        "2026-01-01T00:00:00Z",
        "2026-01-03T00:00:00Z",
        "2026-01-02T00:00:00Z",
    ] {
        store.put(&rollback("model-a", when)).await.expect("put");
    }
    store
        .put(&rollback("model-b", "2026-02-01T00:00:00Z"))
        .await
        .expect("put");
    let latest = store
        .query("model-a", Order::NewestFirst, 2)
        .await
        .expect("query");
    let times: Vec<String> = latest
        .iter()
        .map(|r| r.rolled_back_at.to_string())
        .collect();
    assert_eq!(
        times,
        ["2026-01-03T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z"]
    );
    let oldest = store
        .query("model-a", Order::OldestFirst, 1)
        .await
        .expect("query");
    assert_eq!(oldest[0].rolled_back_at, at("2026-01-01T00:00:00Z"));
    let key = RecordKey::with_sort("model-a", "2026-01-01T00:00:00.000000Z");
    assert!(store.get(&key).await.expect("get").is_some());
    store.delete(&key).await.expect("delete");
    assert!(store.get(&key).await.expect("get").is_none(), "deleted");
}

/// TTL: a live record blocks `put_if_absent`; an expired one reads as absent and may be replaced.
pub async fn ttl_records(store: Arc<dyn RecordStore<NotificationRecord>>) {
    let now = Timestamp::now().epoch_seconds();
    let live = notification("BACKTEST_COMPLETE#s", now + 3600);
    assert!(
        store.put_if_absent(&live).await.expect("put"),
        "first marker is written"
    );
    assert!(
        !store.put_if_absent(&live).await.expect("put"),
        "a live marker throttles the repeat"
    );
    let stored = store
        .get(&RecordKey::partition("BACKTEST_COMPLETE#s"))
        .await
        .expect("get")
        .expect("live");
    assert_eq!(stored.ttl, now + 3600, "the TTL attribute is stored");
    let expired = notification("DRIFT_DETECTED#m", now - 10);
    store.put(&expired).await.expect("put");
    assert!(
        store
            .get(&RecordKey::partition("DRIFT_DETECTED#m"))
            .await
            .expect("get")
            .is_none(),
        "expired reads as absent"
    );
    let fresh = notification("DRIFT_DETECTED#m", now + 60);
    assert!(
        store.put_if_absent(&fresh).await.expect("put"),
        "an expired marker no longer throttles"
    );
}

/// Lifecycle guards on another table: a trading session pauses and resumes, never goes back to warm-up.
pub async fn trading_sessions(store: Arc<dyn RecordStore<TradingSession>>) {
    use tradai_domain::entities::TradingMode;
    use tradai_domain::ports::{lifecycle, Guarded};
    use tradai_domain::TradingStatus;

    let t = at("2026-01-01T00:00:00Z");
    let session = TradingSession {
        strategy_id: "pascal-live".into(),
        status: TradingStatus::Warmup,
        mode: TradingMode::Live,
        last_heartbeat: None,
        task_arn: None,
        model_version: None,
        updated_at: t,
    };
    store.put(&session).await.expect("put");
    let key = RecordKey::partition("pascal-live");
    let heartbeat = serde_json::Map::from_iter([(
        "last_heartbeat".to_owned(),
        serde_json::Value::from(t.to_string()),
    )]);
    let running = lifecycle::transition(store.as_ref(), &key, TradingStatus::Running, heartbeat)
        .await
        .expect("transition");
    assert!(
        matches!(&running, Guarded::Applied(s) if s.status == TradingStatus::Running && s.last_heartbeat == Some(t)),
        "{running:?}"
    );
    let paused = lifecycle::transition(
        store.as_ref(),
        &key,
        TradingStatus::Paused,
        serde_json::Map::new(),
    )
    .await
    .expect("transition");
    assert!(matches!(paused, Guarded::Applied(_)));
    let back = lifecycle::transition(
        store.as_ref(),
        &key,
        TradingStatus::Warmup,
        serde_json::Map::new(),
    )
    .await
    .expect("transition");
    assert!(
        matches!(&back, Guarded::Rejected(s) if s.status == TradingStatus::Paused),
        "paused -> warmup is not allowed: {back:?}"
    );
}
