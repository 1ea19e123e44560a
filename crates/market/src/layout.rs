//! Where a series lives in the bucket (decision M1): `ohlcv/<symbol>/<timeframe>/<period>.parquet`, one object
//! per calendar month for intraday timeframes and per year for `1d` and `1w`. The symbol is stored with `/`
//! and `:` as `_` (`BTC/USDT:USDT` → `BTC_USDT_USDT`); assets are upper-case letters and digits, so the
//! two- or three-part form decodes without ambiguity.
//!
//! A perpetual's funding events live beside the candles, in the same bucket under their own prefix:
//! `funding/<symbol>/<YYYY-MM>.parquet`, one object per calendar month (about 93 events at Binance's 8-hourly
//! funding). A month is also the unit of completeness: its object records which spans of the month it holds
//! in full ([`crate::columnar::FundingFile`]), so a month synced whole after it ended is never asked for again.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use tradai_domain::entities::{Symbol, Timeframe};
use tradai_domain::ports::Span;

/// Prefix of every market-data object.
pub const ROOT: &str = "ohlcv/";

/// The stored form of a symbol.
pub fn symbol_dir(symbol: &Symbol) -> String {
    symbol.as_str().replace(['/', ':'], "_")
}

/// The symbol of a stored form, if it is one.
pub fn parse_symbol_dir(dir: &str) -> Option<Symbol> {
    let parts: Vec<&str> = dir.split('_').collect();
    let text = match parts.as_slice() {
        [base, quote] => format!("{base}/{quote}"),
        [base, quote, settle] => format!("{base}/{quote}:{settle}"),
        _ => return None,
    };
    text.parse().ok()
}

/// The prefix of one series.
pub fn series_prefix(symbol: &Symbol, timeframe: Timeframe) -> String {
    format!("{ROOT}{}/{}/", symbol_dir(symbol), timeframe.as_str())
}

fn yearly(timeframe: Timeframe) -> bool {
    matches!(timeframe, Timeframe::D1 | Timeframe::W1)
}

/// The period name of the candle opening at `at` (ms).
pub fn period_of(timeframe: Timeframe, at: i64) -> String {
    let time = DateTime::from_timestamp_millis(at).unwrap_or_default();
    if yearly(timeframe) {
        format!("{:04}", time.year())
    } else {
        month_of(at)
    }
}

/// The calendar month (`YYYY-MM`) of `at` (ms).
pub fn month_of(at: i64) -> String {
    let time = DateTime::from_timestamp_millis(at).unwrap_or_default();
    format!("{:04}-{:02}", time.year(), time.month())
}

/// The calendar months overlapping `span`, oldest first, each with its own `[start, end)`.
pub fn months(span: Span) -> Vec<(String, Span)> {
    let mut months = Vec::new();
    let mut at = span.start;
    while at < span.end {
        let month = month_of(at);
        let Some((start, end)) = period_span(&month).filter(|(_, end)| *end > at) else {
            break;
        };
        months.push((month, Span { start, end }));
        at = end;
    }
    months
}

fn millis(year: i32, month: u32) -> i64 {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(i64::MAX, |t| Utc.from_utc_datetime(&t).timestamp_millis())
}

/// The `[start, end)` span in ms of a period name, if it is one.
pub fn period_span(name: &str) -> Option<(i64, i64)> {
    match name.split_once('-') {
        Some((y, m)) => {
            let (year, month): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
            if !(1..=12).contains(&month) {
                return None;
            }
            let next = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            Some((millis(year, month), millis(next.0, next.1)))
        }
        None => {
            let year: i32 = name.parse().ok()?;
            Some((millis(year, 1), millis(year + 1, 1)))
        }
    }
}

/// The key of one period's object.
pub fn object_key(symbol: &Symbol, timeframe: Timeframe, period: &str) -> String {
    format!("{}{period}.parquet", series_prefix(symbol, timeframe))
}

/// The symbol, timeframe and period of an object key, if it is one of ours.
pub fn parse_key(key: &str) -> Option<(Symbol, Timeframe, String)> {
    let rest = key.strip_prefix(ROOT)?;
    let mut parts = rest.split('/');
    let (dir, tf, file) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let period = file.strip_suffix(".parquet")?;
    period_span(period)?;
    Some((parse_symbol_dir(dir)?, tf.parse().ok()?, period.to_owned()))
}

/// Prefix of every funding object.
pub const FUNDING_ROOT: &str = "funding/";

/// The prefix of one symbol's funding history.
pub fn funding_prefix(symbol: &Symbol) -> String {
    format!("{FUNDING_ROOT}{}/", symbol_dir(symbol))
}

/// The key of one month's funding object.
pub fn funding_key(symbol: &Symbol, month: &str) -> String {
    format!("{}{month}.parquet", funding_prefix(symbol))
}

/// The symbol and month of a funding object key, if it is one of ours.
pub fn parse_funding_key(key: &str) -> Option<(Symbol, String)> {
    let rest = key.strip_prefix(FUNDING_ROOT)?;
    let (dir, file) = rest.split_once('/')?;
    let month = file.strip_suffix(".parquet")?;
    if !month.contains('-') {
        return None;
    }
    period_span(month)?;
    Some((parse_symbol_dir(dir)?, month.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_for_spot_and_futures_pairs() {
        for text in ["BTC/USDT:USDT", "ETH/USDT", "1INCH/USDT:USDT"] {
            let symbol: Symbol = text.parse().expect("symbol");
            let key = object_key(&symbol, Timeframe::H1, "2024-02");
            assert_eq!(
                parse_key(&key),
                Some((symbol, Timeframe::H1, "2024-02".into())),
                "{key}"
            );
        }
        assert_eq!(
            object_key(
                &"BTC/USDT:USDT".parse().expect("symbol"),
                Timeframe::H1,
                "2024-02"
            ),
            "ohlcv/BTC_USDT_USDT/1h/2024-02.parquet"
        );
        assert_eq!(parse_key("ohlcv/BTC_USDT_USDT/2h/2024-02.parquet"), None);
        assert_eq!(parse_key("ohlcv/BTC/1h/2024-13.parquet"), None);
    }

    #[test]
    fn funding_keys_are_months_per_symbol() {
        let symbol: Symbol = "BTC/USDT:USDT".parse().expect("symbol");
        let key = funding_key(&symbol, "2024-02");
        assert_eq!(key, "funding/BTC_USDT_USDT/2024-02.parquet");
        assert_eq!(parse_funding_key(&key), Some((symbol, "2024-02".into())));
        for other in [
            "funding/BTC_USDT_USDT/2024.parquet",
            "funding/BTC_USDT_USDT/2024-13.parquet",
            "funding/BTC_USDT_USDT/1h/2024-02.parquet",
            "ohlcv/BTC_USDT_USDT/1h/2024-02.parquet",
        ] {
            assert_eq!(parse_funding_key(other), None, "{other}");
        }
        assert_eq!(parse_key(&key), None, "not a candle object");
    }

    #[test]
    fn a_span_splits_into_its_months() {
        let (jan_15, feb_1, mar_1, mar_2) = (
            1_705_276_800_000,
            1_706_745_600_000,
            1_709_251_200_000,
            1_709_337_600_000,
        );
        let split = months(Span {
            start: jan_15,
            end: mar_2,
        });
        let names: Vec<&str> = split.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(names, ["2024-01", "2024-02", "2024-03"]);
        assert_eq!(
            split[1].1,
            Span {
                start: feb_1,
                end: mar_1
            }
        );
        assert!(months(Span {
            start: feb_1,
            end: feb_1
        })
        .is_empty());
    }

    #[test]
    fn periods_are_months_or_years() {
        let feb_2024 = 1_706_745_600_000; // 2024-02-01T00:00:00Z
        assert_eq!(period_of(Timeframe::H1, feb_2024), "2024-02");
        assert_eq!(period_of(Timeframe::D1, feb_2024), "2024");
        assert_eq!(period_span("2024-02"), Some((feb_2024, 1_709_251_200_000)));
        assert_eq!(period_span("2023-12").map(|s| s.1), Some(1_704_067_200_000));
        assert_eq!(period_span("2024").map(|s| s.0), Some(1_704_067_200_000));
    }
}
