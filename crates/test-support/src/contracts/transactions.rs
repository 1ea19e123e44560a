//! Contract of the transaction port: records of two tables appear together or not at all, a live key blocks
//! the whole transaction, an expired one does not, and of racing transactions on one key exactly one wins.

use std::sync::Arc;

use tradai_domain::entities::{IdempotencyRecord, Timestamp};
use tradai_domain::ports::{Created, JobRepository, NewRecord, RecordKey, RecordStore, Transactor};

use crate::samples::job;

fn claim(key: &str, job_id: &str, ttl: i64) -> IdempotencyRecord {
    IdempotencyRecord {
        idempotency_key: key.to_owned(),
        job_id: job_id.to_owned(),
        request_hash: "h".into(),
        created_at: Timestamp::now(),
        ttl,
    }
}

fn pair(key: &str, job_id: &str, ttl: i64) -> [NewRecord; 2] {
    [
        NewRecord::of(&claim(key, job_id, ttl)).expect("claim encodes"),
        NewRecord::of(&job(job_id, "trace-tx", "2026-01-03T00:00:00Z")).expect("job encodes"),
    ]
}

/// Create the claim `key` and the job `job_id` in one transaction.
async fn create(tx: &dyn Transactor, key: &str, job_id: &str, ttl: i64) -> Created {
    tx.create_all(&pair(key, job_id, ttl), job_id)
        .await
        .expect("the transaction is answered")
}

/// An idempotency claim and its job through `tx`; `claims` and `jobs` read the same tables.
pub async fn transactions(
    tx: Arc<dyn Transactor>,
    claims: Arc<dyn RecordStore<IdempotencyRecord>>,
    jobs: &JobRepository,
) {
    let day = Timestamp::now().epoch_seconds() + 86_400;
    assert_eq!(create(&*tx, "tx/k1", "tx-job-1", day).await, Created::All);
    let stored = claims.get(&RecordKey::partition("tx/k1")).await;
    assert_eq!(
        stored.expect("get").map(|c| c.job_id),
        Some("tx-job-1".into())
    );
    assert!(
        jobs.get("tx-job-1").await.expect("get").is_some(),
        "the job was written with its claim"
    );

    assert_eq!(
        create(&*tx, "tx/k1", "tx-job-2", day).await,
        Created::Taken(vec![0]),
        "the key is held"
    );
    assert!(
        jobs.get("tx-job-2").await.expect("get").is_none(),
        "no job without its claim"
    );

    assert_eq!(
        create(&*tx, "tx/k2", "tx-job-1", day).await,
        Created::Taken(vec![1]),
        "the job id is taken"
    );
    let orphan = claims
        .get(&RecordKey::partition("tx/k2"))
        .await
        .expect("get");
    assert!(orphan.is_none(), "no claim without its job");

    // An expired claim (TTL passed, not yet deleted) does not hold its key.
    claims
        .put(&claim("tx/k3", "gone", 1))
        .await
        .expect("put expired");
    assert_eq!(create(&*tx, "tx/k3", "tx-job-3", day).await, Created::All);

    // Eight requests race for one key: one wins, one job exists.
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let tx = tx.clone();
            tokio::spawn(async move { create(&*tx, "tx/race", &format!("tx-race-{n}"), day).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.expect("joined"));
    }
    let won: Vec<usize> = (0..8).filter(|n| outcomes[*n] == Created::All).collect();
    assert_eq!(won.len(), 1, "one winner of 8: {outcomes:?}");
    for n in 0..8 {
        let exists = jobs
            .get(&format!("tx-race-{n}"))
            .await
            .expect("get")
            .is_some();
        assert_eq!(
            exists,
            won == [n],
            "job {n} exists only if its transaction won"
        );
    }
}
