//! `Idempotency-Key`: the first request with a key creates the job; repeats with the same body get that job;
//! the same key with another body is a conflict. Keys live in the idempotency table for a day (its TTL) and
//! belong to the caller who sent them (two callers' equal keys are different keys). A claim whose job never
//! appeared (its creation failed, or the process died between the two writes) is released or taken over, so
//! a failed creation does not poison its key for a day.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tradai_domain::entities::{IdempotencyRecord, Timestamp};
use tradai_domain::ports::{RecordKey, RecordStore};
use tradai_service_kit::{ApiError, ValidationCode};

/// How long a key is remembered.
pub const TTL_SECONDS: i64 = 24 * 3600;

/// How long a claim may wait for its job before another request with the key may take it over.
pub const STALE_CLAIM_SECONDS: i64 = 30;

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

/// Release a claim whose job could not be created, so the key can be used again at once.
pub async fn release(store: &Arc<dyn RecordStore<IdempotencyRecord>>, key: &str) {
    if let Err(error) = store.delete(&RecordKey::partition(key)).await {
        tracing::warn!(%error, "an idempotency claim could not be released; it is taken over after 30 s");
    }
}

/// Claim the stored key `key` ([`scoped`]) for `job_id` (a conditional write: exactly one request wins). A
/// claim older than [`STALE_CLAIM_SECONDS`] whose job does not exist is taken over (again conditionally).
pub async fn claim(
    store: &Arc<dyn RecordStore<IdempotencyRecord>>,
    jobs: &tradai_domain::ports::JobRepository,
    key: &str,
    hash: &str,
    job_id: &str,
    now: Timestamp,
) -> Result<Claim, ApiError> {
    let record = IdempotencyRecord {
        idempotency_key: key.to_owned(),
        job_id: job_id.to_owned(),
        request_hash: hash.to_owned(),
        created_at: now,
        ttl: now.epoch_seconds() + TTL_SECONDS,
    };
    if store.put_if_absent(&record).await.map_err(ApiError::from)? {
        return Ok(Claim::New);
    }
    let existing = store
        .get(&RecordKey::partition(key))
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| {
            ApiError::conflict(
                "the idempotency key expired while in use; retry",
                serde_json::Value::Null,
            )
        })?;
    let stale = now.epoch_seconds() - existing.created_at.epoch_seconds() > STALE_CLAIM_SECONDS;
    if stale
        && jobs
            .get(&existing.job_id)
            .await
            .map_err(ApiError::from)?
            .is_none()
    {
        let mut changes = serde_json::Map::new();
        changes.insert("job_id".into(), job_id.into());
        changes.insert("request_hash".into(), hash.into());
        changes.insert("created_at".into(), now.to_string().into());
        changes.insert("ttl".into(), (now.epoch_seconds() + TTL_SECONDS).into());
        let taken = store
            .update_if(
                &RecordKey::partition(key),
                "job_id",
                std::slice::from_ref(&existing.job_id),
                &changes,
            )
            .await
            .map_err(ApiError::from)?;
        tracing::info!(stale_job = %existing.job_id, "an abandoned idempotency claim was taken over");
        return match taken {
            tradai_domain::ports::Guarded::Applied(_) => Ok(Claim::New),
            tradai_domain::ports::Guarded::Rejected(other) if other.request_hash == hash => {
                Ok(Claim::Existing(other.job_id))
            }
            tradai_domain::ports::Guarded::Rejected(other) => Err(ApiError::conflict(
                "Idempotency-Key was used with another request body",
                serde_json::json!({"job_id": other.job_id}),
            )),
        };
    }
    if existing.request_hash == hash {
        Ok(Claim::Existing(existing.job_id))
    } else {
        Err(ApiError::conflict(
            "Idempotency-Key was used with another request body",
            serde_json::json!({"job_id": existing.job_id}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seconds` after a start near the real clock (the store honours the TTL against it).
    fn at(seconds: i64) -> Timestamp {
        let start = Timestamp::now().epoch_seconds() - 60;
        Timestamp::from_millis((start + seconds) * 1000)
    }

    #[tokio::test]
    async fn keys_belong_to_callers_and_an_abandoned_claim_is_taken_over() {
        let config = tradai_test_support::config_with_prefix("tradai");
        let ports = tradai_platform::Ports::memory(&config).expect("ports");
        let (store, jobs) = (&ports.idempotency, &ports.jobs);
        let (alice, bob) = (scoped("alice", "k"), scoped("bob", "k"));
        assert_ne!(alice, bob);
        for key in [&alice, &bob] {
            let won = claim(store, jobs, key, "h1", &format!("job-{key}"), at(0)).await;
            assert_eq!(won.expect("claimed"), Claim::New, "{key}");
        }
        // Alice's job was never created (its creation failed or the process died): within 30 s the claim
        // still stands (the creator may be slow) ...
        let fresh = claim(store, jobs, &alice, "h1", "job-2", at(10)).await;
        assert_eq!(fresh.expect("claim"), Claim::Existing("job-alice/k".into()));
        // ... after that the key is free again, even for another body.
        let taken = claim(store, jobs, &alice, "h2", "job-3", at(31)).await;
        assert_eq!(taken.expect("taken over"), Claim::New);
        let again = claim(store, jobs, &alice, "h2", "job-4", at(32)).await;
        assert_eq!(again.expect("claim"), Claim::Existing("job-3".into()));
        release(store, &alice).await;
        let released = claim(store, jobs, &alice, "h9", "job-5", at(33)).await;
        assert_eq!(released.expect("free at once"), Claim::New);
    }
}
