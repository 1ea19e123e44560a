//! Timestamps stored as fixed-width UTC strings, so that string order is time order (DynamoDB sort keys).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DomainError;

/// A UTC instant, written as `2026-11-24T20:38:44.123456Z` (always microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Now, to the microsecond: the precision it is written with, so a time read back equals the time
    /// written (a conditional write resolved by reading back compares them; found by the soak benchmark).
    pub fn now() -> Self {
        Timestamp::from_datetime(Utc::now())
    }

    /// From a chrono instant, to the microsecond.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Timestamp(at.trunc_subsecs(6))
    }

    /// From milliseconds since the epoch (the epoch itself for a value chrono cannot represent).
    pub fn from_millis(millis: i64) -> Self {
        Timestamp(DateTime::from_timestamp_millis(millis).unwrap_or_default())
    }

    /// ISO 8601 UTC to the second (`2024-01-01T00:00:00Z`), as the APIs show candle and trade times.
    pub fn iso_seconds(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// The chrono instant.
    pub fn datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Seconds since the epoch (for TTL attributes).
    pub fn epoch_seconds(self) -> i64 {
        self.0.timestamp()
    }

    /// This instant plus `seconds`.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Timestamp(self.0 + chrono::Duration::seconds(seconds))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

impl FromStr for Timestamp {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(s)
            .map(|at| Timestamp::from_datetime(at.with_timezone(&Utc)))
            .map_err(|err| {
                DomainError::validation(
                    "timestamp",
                    format!("'{s}' is not an RFC 3339 time: {err}"),
                )
            })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn now_reads_back_as_written() {
        for _ in 0..100 {
            let now = Timestamp::now();
            let read: Timestamp = now.to_string().parse().expect("valid");
            assert_eq!(read, now);
        }
    }

    #[test]
    fn writes_fixed_width_utc_and_reads_any_offset() {
        let t: Timestamp = "2026-11-24T21:38:44+01:00".parse().expect("valid");
        assert_eq!(t.to_string(), "2026-11-24T20:38:44.000000Z");
        assert!("yesterday".parse::<Timestamp>().is_err());
    }

    proptest! {
        #[test]
        fn string_order_is_time_order(a in 0i64..4_000_000_000_000, b in 0i64..4_000_000_000_000) {
            let ta = Timestamp(DateTime::from_timestamp_micros(a).expect("in range"));
            let tb = Timestamp(DateTime::from_timestamp_micros(b).expect("in range"));
            prop_assert_eq!(ta.cmp(&tb), ta.to_string().cmp(&tb.to_string()));
        }
    }
}
