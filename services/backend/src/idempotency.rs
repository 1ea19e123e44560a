//! `Idempotency-Key`: the first request with a key creates the job; repeats with the same body get that job;
//! the same key with another body is a conflict. Keys live in the idempotency table for a day (its TTL).

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tradai_domain::entities::{IdempotencyRecord, Timestamp};
use tradai_domain::ports::{RecordKey, RecordStore};
use tradai_service_kit::{ApiError, ValidationCode};

/// How long a key is remembered.
pub const TTL_SECONDS: i64 = 24 * 3600;

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

/// Claim `key` for `job_id` (a conditional write: exactly one request wins).
pub async fn claim(
    store: &Arc<dyn RecordStore<IdempotencyRecord>>,
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
    if existing.request_hash == hash {
        Ok(Claim::Existing(existing.job_id))
    } else {
        Err(ApiError::conflict(
            format!("Idempotency-Key '{key}' was used with another request body"),
            serde_json::json!({"idempotency_key": key, "job_id": existing.job_id}),
        ))
    }
}
