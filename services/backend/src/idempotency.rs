//! `Idempotency-Key`: the first request with a key creates the job; repeats with the same body get that job;
//! the same key with another body is a conflict. Keys live in the idempotency table for a day (its TTL) and
//! belong to the caller who sent them (two callers' equal keys are different keys). The claim and the job are
//! created in one transaction, so no claim ever names a job that was not created, and no job is created
//! under a key another request holds.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tradai_domain::entities::{BacktestJob, IdempotencyRecord, Timestamp};
use tradai_domain::ports::{Created, NewRecord, RecordKey, RecordStore, Transactor};
use tradai_service_kit::{ApiError, ValidationCode};

/// How long a key is remembered.
pub const TTL_SECONDS: i64 = 24 * 3600;

/// The stored key of `caller`'s `key`.
pub fn scoped(caller: &str, key: &str) -> String {
    format!("{caller}/{key}")
}

/// Who owns a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request: create the job.
    New,
    /// An earlier request with the same body created this job.
    Existing(String),
}

/// The hash that ties a key to its body.
pub fn body_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A key as sent: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), ApiError> {
    if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(ApiError::validation(
            ValidationCode::OutOfRange,
            "Idempotency-Key",
            key,
            "1 to 255 visible ASCII characters",
        ))
    }
}

/// Create `job` under the stored key `key` ([`scoped`]): the claim and the job in one transaction, so exactly
/// one request with the key creates a job. When the key is held, the holder's job is the answer (same body) or
/// a conflict (another body). A held key naming this very job is this request's own write whose answer was
/// lost (an SDK retry of the transaction), so it counts as created.
pub async fn create_claimed(
    transactions: &Arc<dyn Transactor>,
    store: &Arc<dyn RecordStore<IdempotencyRecord>>,
    key: &str,
    hash: &str,
    job: &BacktestJob,
    now: Timestamp,
) -> Result<Claim, ApiError> {
    let record = IdempotencyRecord {
        idempotency_key: key.to_owned(),
        job_id: job.job_id.clone(),
        request_hash: hash.to_owned(),
        created_at: now,
        ttl: now.epoch_seconds() + TTL_SECONDS,
    };
    let records = [NewRecord::of(&record)?, NewRecord::of(job)?];
    // A claim can expire between the refused transaction and the read: then the key is free; try again.
    for _ in 0..3 {
        if transactions.create_all(&records, &job.job_id).await? == Created::All {
            return Ok(Claim::New);
        }
        match store.get(&RecordKey::partition(key)).await? {
            None => continue,
            Some(held) if held.job_id == job.job_id => return Ok(Claim::New),
            Some(held) if held.request_hash == hash => return Ok(Claim::Existing(held.job_id)),
            Some(held) => {
                return Err(ApiError::conflict(
                    "Idempotency-Key was used with another request body",
                    serde_json::json!({"job_id": held.job_id}),
                ))
            }
        }
    }
    Err(ApiError::conflict(
        "the Idempotency-Key changed hands while this request ran; retry",
        serde_json::Value::Null,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_transaction_makes_the_claim_and_the_job() {
        let config = tradai_test_support::config_with_prefix("tradai");
        let ports = tradai_platform::Ports::memory(&config).expect("ports");
        let (tx, store) = (&ports.transactions, &ports.idempotency);
        let job = |n: u32| {
            tradai_test_support::samples::job(&format!("job-{n}"), "t", "2026-01-01T00:00:00Z")
        };
        let now = Timestamp::now();
        let (alice, bob) = (scoped("alice", "k"), scoped("bob", "k"));
        assert_ne!(alice, bob);
        let first = create_claimed(tx, store, &alice, "h1", &job(1), now).await;
        assert_eq!(first.expect("created"), Claim::New);
        assert!(ports.jobs.get("job-1").await.expect("get").is_some());
        // Bob's equal key is another key.
        let other = create_claimed(tx, store, &bob, "h1", &job(2), now).await;
        assert_eq!(other.expect("created"), Claim::New);
        // A repeat gets the first job, and creates none.
        let again = create_claimed(tx, store, &alice, "h1", &job(3), now).await;
        assert_eq!(again.expect("held"), Claim::Existing("job-1".into()));
        assert!(ports.jobs.get("job-3").await.expect("get").is_none());
        // Another body under the key: a conflict naming the job, and no job.
        let conflict = create_claimed(tx, store, &alice, "h2", &job(4), now).await;
        assert_eq!(conflict.expect_err("conflict").status().as_u16(), 409);
        assert!(ports.jobs.get("job-4").await.expect("get").is_none());
        // The same request again (its first answer lost): created, not a replay of itself.
        let retried = create_claimed(tx, store, &alice, "h1", &job(1), now).await;
        assert_eq!(retried.expect("own write"), Claim::New);
        // A job whose id is taken makes no claim either: all or nothing.
        let fresh = scoped("alice", "fresh");
        let clash = create_claimed(tx, store, &fresh, "h1", &job(2), now).await;
        assert!(clash.is_err(), "{clash:?}");
        let claim = store.get(&RecordKey::partition(&fresh)).await.expect("get");
        assert!(claim.is_none(), "no claim without its job");
    }
}
