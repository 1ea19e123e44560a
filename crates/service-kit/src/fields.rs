//! Parsing request fields with the reference's codes (§7.6): each error names the field, the value and what
//! is allowed. VAL001 dates, VAL002 symbols, VAL003 timeframes, VAL004 missing fields, VAL005 ranges.

use chrono::{DateTime, NaiveDate, NaiveTime};
use tradai_domain::entities::{Symbol, Timeframe};

use crate::{ApiError, ValidationCode};

/// The value of a required text field.
pub fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, ApiError> {
    value
        .as_deref()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            ApiError::validation(
                ValidationCode::MissingField,
                field,
                serde_json::Value::Null,
                "a value is required",
            )
        })
}

/// An ISO 8601 day (`2024-01-31`); a full timestamp is accepted and its day used.
pub fn date(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    let day = value.split('T').next().unwrap_or(value);
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        ApiError::validation(
            ValidationCode::DateRange,
            field,
            value,
            "an ISO 8601 date, e.g. 2024-01-31",
        )
    })
}

/// An ISO 8601 instant (`2024-01-31T12:00:00Z`) or day (its midnight UTC), in ms since the epoch.
pub fn instant(field: &str, value: &str) -> Result<i64, ApiError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(at.timestamp_millis());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp_millis())
        .map_err(|_| {
            ApiError::validation(
                ValidationCode::DateRange,
                field,
                value,
                "an ISO 8601 date or date-time, e.g. 2024-01-31 or 2024-01-31T12:00:00Z",
            )
        })
}

/// A domain rule's refusal as the API's error: VAL001 for a date field, VAL005 otherwise, naming the field
/// and, in the message, the value and what is allowed.
pub fn refused(error: tradai_domain::DomainError) -> ApiError {
    match error {
        tradai_domain::DomainError::Validation { field, message } => {
            let code = if field.ends_with("date") {
                ValidationCode::DateRange
            } else {
                ValidationCode::OutOfRange
            };
            ApiError::validation(code, &field, serde_json::Value::Null, &message)
        }
        other => ApiError::from(other),
    }
}

/// The range `start..end` (ms since the epoch) at `timeframe` within the data the platform can have and the
/// timeframe's maximum span (`tradai_domain::bounds::check_range`, today from the clock); a range ending
/// inside a day counts that day.
pub fn range(
    (start_field, start): (&str, i64),
    (end_field, end): (&str, i64),
    timeframe: Timeframe,
) -> Result<(), ApiError> {
    const DAY_MS: i64 = 86_400_000;
    let day = |ms: i64| {
        DateTime::from_timestamp_millis(ms.div_euclid(DAY_MS) * DAY_MS)
            .map(|d| d.date_naive())
            .unwrap_or(NaiveDate::MIN)
    };
    let end_day = day(end + DAY_MS - 1);
    tradai_domain::bounds::check_range(
        (start_field, day(start)),
        (
            end_field,
            end_day.max(day(start).succ_opt().unwrap_or(NaiveDate::MAX)),
        ),
        timeframe,
        chrono::Utc::now().date_naive(),
    )
    .map_err(refused)
}

/// `start` before `end` (VAL001 naming `field`).
pub fn ordered<T: PartialOrd + std::fmt::Display>(
    field: &str,
    start: T,
    end: T,
) -> Result<(), ApiError> {
    if start < end {
        return Ok(());
    }
    Err(ApiError::validation(
        ValidationCode::DateRange,
        field,
        format!("{start}..{end}"),
        "start before end",
    ))
}

/// A timeframe (VAL003).
pub fn timeframe(field: &str, value: &str) -> Result<Timeframe, ApiError> {
    value.parse::<Timeframe>().map_err(|_| {
        ApiError::validation(
            ValidationCode::Timeframe,
            field,
            value,
            "one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w",
        )
    })
}

/// A trading pair (VAL002).
pub fn symbol(field: &str, value: &str) -> Result<Symbol, ApiError> {
    value.parse::<Symbol>().map_err(|_| {
        ApiError::validation(
            ValidationCode::Symbol,
            field,
            value,
            "BASE/QUOTE or BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT",
        )
    })
}

/// 1 to `max` symbols (VAL002 for a malformed one, VAL005 for the count).
pub fn symbols(field: &str, values: &[String], max: usize) -> Result<Vec<Symbol>, ApiError> {
    if values.is_empty() || values.len() > max {
        return Err(ApiError::validation(
            ValidationCode::OutOfRange,
            field,
            values.len(),
            &format!("1 to {max} symbols"),
        ));
    }
    values.iter().map(|v| symbol(field, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_error_has_its_code() {
        assert_eq!(
            instant("start", "2024-01-02").expect("day"),
            1_704_153_600_000
        );
        assert_eq!(
            instant("start", "2024-01-02T01:00:00+01:00").expect("instant"),
            1_704_153_600_000
        );
        let code = |e: ApiError| e.code;
        assert_eq!(
            code(instant("start", "02/01/2024").expect_err("format")),
            "VAL001"
        );
        assert_eq!(code(ordered("start", 2, 1).expect_err("order")), "VAL001");
        assert_eq!(
            code(timeframe("timeframe", "2h").expect_err("tf")),
            "VAL003"
        );
        assert_eq!(
            code(symbol("symbol", "BTCUSDT").expect_err("pair")),
            "VAL002"
        );
        assert_eq!(
            code(symbols("symbols", &[], 5).expect_err("none")),
            "VAL005"
        );
        assert_eq!(
            code(required("strategy", &None).expect_err("missing")),
            "VAL004"
        );
    }
}
