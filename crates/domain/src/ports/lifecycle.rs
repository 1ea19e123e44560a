//! Guarded status transitions for any record with a lifecycle `status` attribute.

use serde_json::{Map, Value};

use super::records::{Guarded, RecordKey, RecordStore};
use crate::entities::Record;
use crate::{Lifecycle, Result};

/// Move the record at `key` to status `to`, writing `changes` with it, only if its current status may move
/// there (same-state repeats included): one conditional write, so a stale or losing writer gets `Rejected`.
pub async fn transition<R: Record, S: Lifecycle>(
    store: &dyn RecordStore<R>,
    key: &RecordKey,
    to: S,
    mut changes: Map<String, Value>,
) -> Result<Guarded<R>> {
    let allowed: Vec<String> = S::allowed_from(to)
        .iter()
        .map(ToString::to_string)
        .collect();
    changes.insert("status".into(), Value::from(to.to_string()));
    store.update_if(key, "status", &allowed, &changes).await
}
