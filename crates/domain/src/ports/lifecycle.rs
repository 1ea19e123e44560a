//! Guarded status transitions for any record with a lifecycle `status` attribute.

use serde_json::{Map, Value};

use super::records::{Condition, Guarded, RecordKey, RecordStore};
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
    changes: Map<String, Value>,
) -> Result<Guarded<R>> {
    transition_when(store, key, to, None, changes).await
}

/// [`transition`] that also needs `extra` to hold (the holder of a lease, for one).
pub async fn transition_when<R: Record, S: Lifecycle>(
    store: &dyn RecordStore<R>,
    key: &RecordKey,
    to: S,
    extra: Option<Condition>,
    mut changes: Map<String, Value>,
) -> Result<Guarded<R>> {
    let guard = Condition::OneOf("status".into(), guard_states(to));
    let guard = match extra {
        Some(extra) => Condition::All(vec![guard, extra]),
        None => guard,
    };
    changes.insert("status".into(), Value::from(to.to_string()));
    store.update_when(key, &guard, &changes).await
}

/// The stored states from which a write of `to` passes: every state that may move there, but not `to` itself
/// when it is terminal.
fn guard_states<S: Lifecycle>(to: S) -> Vec<String> {
    S::allowed_from(to)
        .iter()
        .filter(|from| !(from.is_terminal() && **from == to))
        .map(ToString::to_string)
        .collect()
}
