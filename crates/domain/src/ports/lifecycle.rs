//! Guarded status transitions for any record with a lifecycle `status` attribute.

use serde_json::{Map, Value};

use super::records::{Guarded, RecordKey, RecordStore};
use crate::entities::Record;
use crate::{Lifecycle, Result};

/// Move the record at `key` to status `to`, writing `changes` with it, only if its current status may move
/// there: one conditional write, so a stale or losing writer gets `Rejected`. A same-state repeat applies
/// again, except into a terminal state: the first terminal write stands and a repeat is `Rejected` with the
/// record already in `to` (callers answer it as an idempotent no-op).
pub async fn transition<R: Record, S: Lifecycle>(
    store: &dyn RecordStore<R>,
    key: &RecordKey,
    to: S,
    mut changes: Map<String, Value>,
) -> Result<Guarded<R>> {
    let allowed: Vec<String> = S::allowed_from(to)
        .iter()
        .filter(|from| !(from.is_terminal() && **from == to))
        .map(ToString::to_string)
        .collect();
    changes.insert("status".into(), Value::from(to.to_string()));
    store.update_if(key, "status", &allowed, &changes).await
}
