//! Paging cursors as clients see them: opaque (`<base64url payload>.<check>`), bound to the listing they page
//! (its status), and checked before anything reaches the store. A cursor that was altered, truncated, belongs
//! to another listing or holds anything but a short position is a 400 naming `cursor`; it never reaches
//! DynamoDB as a malformed start key. (It carries no secret MAC: a caller who may list jobs may read every
//! position anyway, so a forged but well-formed position reveals nothing; decision A12.)

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tradai_service_kit::{ApiError, ValidationCode};

/// The longest cursor accepted.
pub const MAX_LEN: usize = 2048;
/// The longest text inside a store position.
const MAX_PART: usize = 256;

fn check(listing: &str, payload: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"tradai-cursor\n")
        .chain_update(listing.as_bytes())
        .chain_update(b"\n")
        .chain_update(payload)
        .finalize();
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

/// The client's cursor for the store's `position` in `listing`.
pub fn seal(listing: &str, position: &str) -> String {
    let payload = URL_SAFE_NO_PAD.encode(position.as_bytes());
    format!("{payload}.{}", check(listing, position.as_bytes()))
}

fn refused(cursor: &str) -> ApiError {
    ApiError::validation(
        ValidationCode::OutOfRange,
        "cursor",
        cursor,
        "the next_cursor of the previous page of the same listing, unchanged",
    )
}

/// A position is short: strings, numbers or nulls at most two levels deep.
fn plain(value: &Value, depth: usize) -> bool {
    match value {
        Value::String(s) => s.len() <= MAX_PART,
        Value::Null | Value::Number(_) => true,
        Value::Array(items) => {
            depth < 2 && items.len() <= 8 && items.iter().all(|v| plain(v, depth + 1))
        }
        Value::Object(map) => {
            depth < 2
                && map.len() <= 8
                && map
                    .iter()
                    .all(|(k, v)| k.len() <= 64 && plain(v, depth + 1))
        }
        _ => false,
    }
}

/// The store position of a client's `cursor` for `listing`, or a 400.
pub fn open(listing: &str, cursor: &str) -> Result<String, ApiError> {
    if cursor.len() > MAX_LEN {
        return Err(refused(cursor));
    }
    let (payload, given) = cursor.split_once('.').ok_or_else(|| refused(cursor))?;
    let position = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| refused(cursor))?;
    if check(listing, &position) != given {
        return Err(refused(cursor));
    }
    let text = String::from_utf8(position).map_err(|_| refused(cursor))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(value) if plain(&value, 0) => Ok(text),
        _ => Err(refused(cursor)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_opens_only_unchanged_and_for_its_own_listing() {
        let position = r#"{"job_id":"j-1","status":"pending","created_at":"2026-01-01T00:00:00Z"}"#;
        let cursor = seal("pending", position);
        assert!(!cursor.contains("job_id"), "opaque: {cursor}");
        assert_eq!(open("pending", &cursor).expect("opens"), position);
        assert!(open("running", &cursor).is_err(), "another listing");
        let (payload, check) = cursor.split_once('.').expect("two parts");
        let forged = URL_SAFE_NO_PAD.encode(br#"{"job_id":"x"}"#);
        for bad in [
            format!("{forged}.{check}"),
            format!("{payload}.AAAA"),
            payload.to_owned(),
            "not a cursor".to_owned(),
            "a".repeat(MAX_LEN + 1),
        ] {
            let error = open("pending", &bad).expect_err("refused");
            assert_eq!(error.details["field"], "cursor");
        }
        let huge = format!(r#"{{"job_id":"{}"}}"#, "x".repeat(300));
        assert!(
            open("pending", &seal("pending", &huge)).is_err(),
            "no long parts"
        );
        let nested = r#"{"a":{"b":{"c":"d"}}}"#;
        assert!(
            open("pending", &seal("pending", nested)).is_err(),
            "no deep values"
        );
    }
}
