//! Where a series lives in the bucket (decision M1): `ohlcv/<symbol>/<timeframe>/<period>.parquet`, one object
//! per calendar month for intraday timeframes and per year for `1d` and `1w`. The symbol is stored with `/`
//! and `:` as `_` (`BTC/USDT:USDT` → `BTC_USDT_USDT`); assets are upper-case letters and digits, so the
//! two- or three-part form decodes without ambiguity.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use tradai_domain::entities::{Symbol, Timeframe};

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
        format!("{:04}-{:02}", time.year(), time.month())
    }
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
    fn periods_are_months_or_years() {
        let feb_2024 = 1_706_745_600_000; // 2024-02-01T00:00:00Z
        assert_eq!(period_of(Timeframe::H1, feb_2024), "2024-02");
        assert_eq!(period_of(Timeframe::D1, feb_2024), "2024");
        assert_eq!(period_span("2024-02"), Some((feb_2024, 1_709_251_200_000)));
        assert_eq!(period_span("2023-12").map(|s| s.1), Some(1_704_067_200_000));
        assert_eq!(period_span("2024").map(|s| s.0), Some(1_704_067_200_000));
    }
}
