//! EventBridge schedule expressions (`rate(2 minutes)`, `cron(0 3 * * ? *)`), checked before they reach AWS.

use std::fmt;
use std::str::FromStr;

/// A valid EventBridge schedule expression, kept in its original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleExpression(String);

/// Why a schedule expression is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(String);

/// What `rate(...)` and `cron(...)` accept, for error messages.
pub const SCHEDULE_ALLOWED: &str = "rate(<n> minute|minutes|hour|hours|day|days) with the singular unit only for 1, \
     or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with '?' in exactly one day field";

impl ScheduleExpression {
    /// The expression as AWS expects it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScheduleExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ScheduleExpression {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(body) = s.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
            check_rate(body)?;
        } else if let Some(body) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
            check_cron(body)?;
        } else {
            return Err(ScheduleError(
                "must start with rate( or cron( and end with )".into(),
            ));
        }
        Ok(ScheduleExpression(s.to_owned()))
    }
}

fn check_rate(body: &str) -> Result<(), ScheduleError> {
    let (value, unit) = body.split_once(' ').ok_or_else(|| {
        ScheduleError("rate needs a value and a unit separated by one space".into())
    })?;
    let value: u32 = value.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
        ScheduleError(format!(
            "rate value '{value}' is not a positive whole number"
        ))
    })?;
    let singular = matches!(unit, "minute" | "hour" | "day");
    let plural = matches!(unit, "minutes" | "hours" | "days");
    match (singular, plural, value == 1) {
        (true, _, true) | (_, true, false) => Ok(()),
        (false, false, _) => Err(ScheduleError(format!(
            "rate unit '{unit}' is not minute(s), hour(s) or day(s)"
        ))),
        (true, _, false) => Err(ScheduleError(format!(
            "rate of {value} needs the plural unit '{unit}s'"
        ))),
        (_, true, true) => Err(ScheduleError(format!(
            "rate of 1 needs the singular unit '{}'",
            unit.trim_end_matches('s')
        ))),
    }
}

/// One cron field: its name, numeric range and accepted names (months, weekdays).
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    day_field: bool,
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [Field; 6] = [
    Field {
        name: "minutes",
        min: 0,
        max: 59,
        names: &[],
        day_field: false,
    },
    Field {
        name: "hours",
        min: 0,
        max: 23,
        names: &[],
        day_field: false,
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
        day_field: true,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
        day_field: false,
    },
    Field {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: WEEKDAYS,
        day_field: true,
    },
    Field {
        name: "year",
        min: 1970,
        max: 2199,
        names: &[],
        day_field: false,
    },
];

fn check_cron(body: &str) -> Result<(), ScheduleError> {
    let parts: Vec<&str> = body.split(' ').collect();
    if parts.len() != 6 {
        return Err(ScheduleError(format!(
            "cron needs 6 space-separated fields, found {}",
            parts.len()
        )));
    }
    for (field, text) in FIELDS.iter().zip(&parts) {
        check_field(field, text)?;
    }
    match (parts[2] == "?", parts[4] == "?") {
        (true, false) | (false, true) => Ok(()),
        _ => Err(ScheduleError(
            "exactly one of day-of-month and day-of-week must be '?'".into(),
        )),
    }
}

fn check_field(field: &Field, text: &str) -> Result<(), ScheduleError> {
    let bad = |why: &str| ScheduleError(format!("cron {} field '{text}': {why}", field.name));
    if text == "*" || (text == "?" && field.day_field) {
        return Ok(());
    }
    if field.day_field {
        if text == "L" {
            return Ok(());
        }
        if let Some((day, nth)) = text.split_once('#') {
            let day_ok =
                parse_value(field, day).is_some_and(|d| (field.min..=field.max).contains(&d));
            let nth_ok = nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n));
            return if day_ok && nth_ok {
                Ok(())
            } else {
                Err(bad("expected <day>#<1-5>"))
            };
        }
        if let Some(day) = text.strip_suffix('W').or_else(|| text.strip_suffix('L')) {
            return match parse_value(field, day)
                .is_some_and(|d| (field.min..=field.max).contains(&d))
            {
                true => Ok(()),
                false => Err(bad("L and W follow a day in range")),
            };
        }
    }
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step {
            step.parse::<u32>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| bad("the step after '/' must be a positive number"))?;
        }
        if range == "*" && step.is_some() {
            continue;
        }
        let bounds: Vec<&str> = range.split('-').collect();
        if bounds.len() > 2 || bounds.iter().any(|b| b.is_empty()) {
            return Err(bad(
                "expected a value, a range a-b, a list a,b or a step x/n",
            ));
        }
        for bound in bounds {
            let value = parse_value(field, bound)
                .ok_or_else(|| bad(&format!("'{bound}' is outside {}-{}", field.min, field.max)))?;
            if !(field.min..=field.max).contains(&value) {
                return Err(bad(&format!(
                    "{value} is outside {}-{}",
                    field.min, field.max
                )));
            }
        }
    }
    Ok(())
}

fn parse_value(field: &Field, text: &str) -> Option<u32> {
    text.parse().ok().or_else(|| {
        let position = field
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))?;
        u32::try_from(position).ok().map(|p| p + field.min)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        s.parse::<ScheduleExpression>().unwrap_err().to_string()
    }

    #[test]
    fn accepts_rates_and_crons_that_eventbridge_accepts() {
        for ok in [
            "rate(2 minutes)",
            "rate(1 hour)",
            "rate(6 hours)",
            "rate(1 day)",
            "cron(0 3 * * ? *)",
            "cron(0/15 * ? * MON-FRI *)",
            "cron(30 2 ? * SUN#1 2026-2030)",
            "cron(0 12 L * ? *)",
            "cron(0 12 15W * ? *)",
            "cron(0 12 ? * 6L *)",
        ] {
            assert!(
                ok.parse::<ScheduleExpression>().is_ok(),
                "{ok} should be valid"
            );
        }
    }

    #[test]
    fn rejects_rates_with_wrong_units_or_values() {
        assert_eq!(
            err("rate(2 minute)"),
            "rate of 2 needs the plural unit 'minutes'"
        );
        assert_eq!(
            err("rate(1 minutes)"),
            "rate of 1 needs the singular unit 'minute'"
        );
        assert_eq!(
            err("rate(0 hours)"),
            "rate value '0' is not a positive whole number"
        );
        assert_eq!(
            err("rate(5 weeks)"),
            "rate unit 'weeks' is not minute(s), hour(s) or day(s)"
        );
        assert_eq!(
            err("every 5 minutes"),
            "must start with rate( or cron( and end with )"
        );
    }

    #[test]
    fn rejects_crons_with_bad_fields() {
        assert_eq!(
            err("cron(0 3 * * *)"),
            "cron needs 6 space-separated fields, found 5"
        );
        assert_eq!(
            err("cron(0 3 * * * *)"),
            "exactly one of day-of-month and day-of-week must be '?'"
        );
        assert_eq!(
            err("cron(61 3 * * ? *)"),
            "cron minutes field '61': 61 is outside 0-59"
        );
        assert_eq!(
            err("cron(0 3 * FOO ? *)"),
            "cron month field 'FOO': 'FOO' is outside 1-12"
        );
        assert_eq!(
            err("cron(0 3 ? * SUN#9 *)"),
            "cron day-of-week field 'SUN#9': expected <day>#<1-5>"
        );
        assert_eq!(
            err("cron(0/0 3 * * ? *)"),
            "cron minutes field '0/0': the step after '/' must be a positive number"
        );
    }
}
