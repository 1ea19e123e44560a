//! Caps on long-lived answers (server-sent events): each caller may hold a bounded number of open streams, and
//! each stream ends after a bounded lifetime (the client reconnects), so no caller can hold connections and
//! pollers without end. Streams are outside the in-flight limit (their headers are sent at once), hence their
//! own cap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::ApiError;

/// Open streams one caller may hold.
pub const PER_CALLER: usize = 5;
/// The longest a stream stays open.
pub const LIFETIME: Duration = Duration::from_secs(3600);

/// The open streams of every caller.
#[derive(Debug, Clone, Default)]
pub struct Streams(Arc<Mutex<HashMap<String, usize>>>);

/// One open stream of a caller; dropping it (the stream ended or the client left) frees its place.
#[derive(Debug)]
pub struct Slot {
    streams: Streams,
    caller: String,
}

impl Streams {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A place for one more stream of `caller`, or a 429 when it holds [`PER_CALLER`] already.
    pub fn open(&self, caller: &str) -> Result<Slot, ApiError> {
        let mut counts = self.counts();
        let open = counts.entry(caller.to_owned()).or_default();
        if *open >= PER_CALLER {
            return Err(ApiError::overloaded(5).with_message(format!(
                "{PER_CALLER} event streams are open for this caller already; close one first"
            )));
        }
        *open += 1;
        Ok(Slot {
            streams: self.clone(),
            caller: caller.to_owned(),
        })
    }

    /// Streams `caller` holds open.
    pub fn open_of(&self, caller: &str) -> usize {
        self.counts().get(caller).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.streams.counts();
        if let Some(open) = counts.get_mut(&self.caller) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                counts.remove(&self.caller);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_holds_at_most_the_cap_and_a_closed_stream_frees_its_place() {
        let streams = Streams::default();
        let slots: Vec<Slot> = (0..PER_CALLER)
            .map(|_| streams.open("alice").expect("within the cap"))
            .collect();
        let refused = streams.open("alice").expect_err("over the cap");
        assert_eq!(refused.status, 429);
        streams.open("bob").expect("another caller is not affected");
        drop(slots);
        assert_eq!(streams.open_of("alice"), 0);
        streams.open("alice").expect("places freed");
    }
}
