//! Bounds on what enters the platform, shared by every entry point (HTTP bodies, queue messages, Lambda
//! events, files given to the CLI): date ranges within the data the platform can have, and a maximum span
//! per timeframe, so no request makes a service fetch, store or simulate without limit; names and ids of a
//! bounded length and a plain character set.

use chrono::{Duration, NaiveDate};

use crate::entities::Timeframe;
use crate::{DomainError, Result};

/// The first day any exchange the platform serves has candles for (Binance opened in July 2017; its USD-M
/// futures in September 2019). Earlier dates hold no data.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2017, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The most candles of one symbol one request may cover: two years of 1-minute candles (about 1.05 M rows, a
/// few seconds of sync and simulation). Longer timeframes get proportionally longer spans.
pub const MAX_CANDLES: i64 = 1_100_000;

/// The longest range, in days, a request at `timeframe` may cover.
pub fn max_span_days(timeframe: Timeframe) -> i64 {
    MAX_CANDLES * timeframe.seconds() / 86_400
}

/// The last day a range may end on, given `today`: tomorrow (a range's end is exclusive of later data).
pub fn latest_date(today: NaiveDate) -> NaiveDate {
    today + Duration::days(1)
}

/// A range `start..end` at `timeframe` is ordered, inside [`EARLIEST_DATE`]..[`latest_date`], and no longer
/// than [`max_span_days`]; the error names `start_field` or `end_field` and what is allowed.
pub fn check_range(
    (start_field, start): (&str, NaiveDate),
    (end_field, end): (&str, NaiveDate),
    timeframe: Timeframe,
    today: NaiveDate,
) -> Result<()> {
    let latest = latest_date(today);
    if start < EARLIEST_DATE {
        return Err(DomainError::validation(
            start_field,
            format!("{start} is before {EARLIEST_DATE}, the first day with market data; allowed {EARLIEST_DATE} to {latest}"),
        ));
    }
    if end > latest {
        return Err(DomainError::validation(
            end_field,
            format!("{end} is in the future; allowed {EARLIEST_DATE} to {latest}"),
        ));
    }
    if start >= end {
        return Err(DomainError::validation(
            start_field,
            format!("{start_field} {start} must be before {end_field} {end}"),
        ));
    }
    let span = (end - start).num_days();
    let max = max_span_days(timeframe);
    if span > max {
        return Err(DomainError::validation(
            end_field,
            format!(
                "{start}..{end} spans {span} days; at most {max} days of {timeframe} candles per request \
                 (split the range, or use a longer timeframe)"
            ),
        ));
    }
    Ok(())
}

/// A name (strategy, experiment, model): 1 to `max` characters of ASCII letters, digits and `-`, `_`, `.`,
/// starting with a letter or digit.
pub fn check_name(field: &str, value: &str, max: usize) -> Result<()> {
    let ok = (1..=max).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        return Ok(());
    }
    let shown: String = value.chars().take(64).collect();
    Err(DomainError::validation(
        field,
        format!(
            "'{shown}'{} is not a name: 1 to {max} ASCII letters, digits, '-', '_' or '.', starting with a letter or digit",
            if shown.len() < value.len() { "…" } else { "" }
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn ranges_stay_within_the_data_and_the_span_of_their_timeframe() {
        let today = day("2026-11-30");
        let ok = |s, e, tf| check_range(("start_date", day(s)), ("end_date", day(e)), tf, today);
        ok("2024-01-01", "2024-03-01", Timeframe::H1).expect("fine");
        ok("2017-01-01", "2026-12-01", Timeframe::D1).expect("all of it, daily");
        let err = |s, e, tf| ok(s, e, tf).expect_err("refused").to_string();
        assert!(err("2016-12-31", "2017-02-01", Timeframe::H1).contains("start_date"));
        assert!(err("2026-01-01", "2026-12-02", Timeframe::H1).contains("in the future"));
        assert!(err("2024-02-01", "2024-01-01", Timeframe::H1).contains("must be before"));
        let span = err("2020-01-01", "2024-01-01", Timeframe::M1);
        assert!(
            span.contains("end_date") && span.contains("at most 763 days"),
            "{span}"
        );
        assert_eq!(max_span_days(Timeframe::M1), 763);
        assert!(max_span_days(Timeframe::M5) > (today - EARLIEST_DATE).num_days());
    }

    #[test]
    fn names_are_short_plain_ascii() {
        check_name("strategy", "sma-crossover_v2.1", 64).expect("fine");
        for bad in ["", "-lead", "with space", "émoji🚀", &"a".repeat(65), "a/b"] {
            let e = check_name("strategy", bad, 64).expect_err(bad).to_string();
            assert!(e.contains("strategy") && e.contains("1 to 64"), "{e}");
        }
        let long = check_name("strategy", &"🚀".repeat(200), 64)
            .expect_err("long")
            .to_string();
        assert!(
            long.len() < 600,
            "the error does not echo 800 bytes: {}",
            long.len()
        );
    }
}
