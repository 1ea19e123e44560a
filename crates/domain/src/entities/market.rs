//! Market vocabulary: trading pairs and candle timeframes, parsed at the edge (reference §7.6).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A trading pair `BASE/QUOTE` or a futures pair `BASE/QUOTE:SETTLE` (e.g. `BTC/USDT:USDT`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(String);

impl Symbol {
    /// The symbol text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a futures pair (`BASE/QUOTE:SETTLE`): only those can be shorted, leveraged and pay funding.
    pub fn is_futures(&self) -> bool {
        self.0.contains(':')
    }
}

impl TryFrom<String> for Symbol {
    type Error = DomainError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let asset = |s: &str| {
            (1..=20).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        let (pair, settle) = match text.split_once(':') {
            Some((pair, settle)) => (pair, Some(settle)),
            None => (text.as_str(), None),
        };
        let ok = pair
            .split_once('/')
            .is_some_and(|(base, quote)| asset(base) && asset(quote))
            && settle.is_none_or(asset);
        if ok {
            Ok(Symbol(text))
        } else {
            Err(DomainError::validation("symbol", format!("'{text}' is not BASE/QUOTE or BASE/QUOTE:SETTLE in upper case, e.g. BTC/USDT:USDT")))
        }
    }
}

impl FromStr for Symbol {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Symbol::try_from(s.to_owned())
    }
}

impl From<Symbol> for String {
    fn from(symbol: Symbol) -> String {
        symbol.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A candle timeframe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timeframe {
    #[serde(rename = "1m")]
    M1,
    #[serde(rename = "5m")]
    M5,
    #[serde(rename = "15m")]
    M15,
    #[serde(rename = "30m")]
    M30,
    #[serde(rename = "1h")]
    H1,
    #[serde(rename = "4h")]
    H4,
    #[serde(rename = "1d")]
    D1,
    #[serde(rename = "1w")]
    W1,
}

impl Timeframe {
    /// Every timeframe.
    pub const ALL: [Timeframe; 8] = [
        Self::M1,
        Self::M5,
        Self::M15,
        Self::M30,
        Self::H1,
        Self::H4,
        Self::D1,
        Self::W1,
    ];

    /// The exchange notation (`1h`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::M1 => "1m",
            Self::M5 => "5m",
            Self::M15 => "15m",
            Self::M30 => "30m",
            Self::H1 => "1h",
            Self::H4 => "4h",
            Self::D1 => "1d",
            Self::W1 => "1w",
        }
    }

    /// Length of one candle in milliseconds.
    pub fn millis(self) -> i64 {
        self.seconds() * 1000
    }

    /// Length of one candle in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Self::M1 => 60,
            Self::M5 => 300,
            Self::M15 => 900,
            Self::M30 => 1800,
            Self::H1 => 3600,
            Self::H4 => 14_400,
            Self::D1 => 86_400,
            Self::W1 => 604_800,
        }
    }
}

impl FromStr for Timeframe {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timeframe::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let allowed: Vec<&str> = Timeframe::ALL.iter().map(|t| t.as_str()).collect();
                DomainError::validation(
                    "timeframe",
                    format!("'{s}' is not a timeframe; allowed: {}", allowed.join(", ")),
                )
            })
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One OHLCV candle (reference §20 schema: `date` UTC, open, high, low, close, volume as float64). `open_time`
/// is the candle's open in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candle {
    pub open_time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// One funding event of a perpetual future (Binance USD-M `GET /fapi/v1/fundingRate`): at `time` (milliseconds,
/// UTC; every 8 hours on Binance: 00:00, 08:00, 16:00) a position pays `rate` times its notional when the rate is
/// positive and it is long (a short receives it), and the reverse when the rate is negative.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FundingRate {
    pub time: i64,
    pub rate: f64,
}

impl FundingRate {
    /// Why this event cannot be stored, if it cannot: a negative time, or a rate that is not finite or beyond
    /// ±5 % (Binance caps funding far below that).
    pub fn problem(&self) -> Option<String> {
        if self.time < 0 {
            return Some(format!("funding time {} is before 1970", self.time));
        }
        if !(self.rate.is_finite() && self.rate.abs() <= 0.05) {
            return Some(format!(
                "funding rate {} at {} is not a finite rate within ±0.05",
                self.rate, self.time
            ));
        }
        None
    }
}

impl Candle {
    /// Why this candle cannot be stored for `timeframe`, if it cannot: a misaligned open time, a price that is
    /// not finite and positive, a high below or a low above the others, a negative volume.
    pub fn problem(&self, timeframe: Timeframe) -> Option<String> {
        let at = self.open_time;
        if at.rem_euclid(timeframe.millis()) != 0 {
            return Some(format!("open time {at} is not on a {timeframe} boundary"));
        }
        let prices = [self.open, self.high, self.low, self.close];
        if prices.iter().any(|p| !p.is_finite() || *p <= 0.0) {
            return Some(format!(
                "candle at {at} has a price that is not finite and positive: {prices:?}"
            ));
        }
        if self.high < self.open.max(self.close).max(self.low)
            || self.low > self.open.min(self.close)
        {
            return Some(format!(
                "candle at {at} has high {} / low {} outside open {} and close {}",
                self.high, self.low, self.open, self.close
            ));
        }
        if !self.volume.is_finite() || self.volume < 0.0 {
            return Some(format!("candle at {at} has volume {}", self.volume));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spot_and_futures_pairs() {
        for ok in ["BTC/USDT", "BTC/USDT:USDT", "1INCH/USDT"] {
            assert_eq!(ok.parse::<Symbol>().expect(ok).as_str(), ok);
        }
    }

    #[test]
    fn rejects_malformed_pairs_naming_the_field() {
        for bad in [
            "BTCUSDT",
            "btc/usdt",
            "BTC/",
            "BTC/USDT:",
            "BTC/USDT:USDT:X",
            "",
        ] {
            let err = bad.parse::<Symbol>().expect_err(bad);
            assert!(err.to_string().starts_with("invalid symbol: "), "{err}");
        }
        let err = serde_json::from_str::<Symbol>("\"ETH-USDT\"").expect_err("serde checks too");
        assert!(err.to_string().contains("BASE/QUOTE"), "{err}");
    }

    #[test]
    fn timeframes_round_trip_and_unknown_ones_list_the_allowed() {
        for t in Timeframe::ALL {
            assert_eq!(t.as_str().parse::<Timeframe>().expect("round trip"), t);
        }
        assert_eq!(
            "2h".parse::<Timeframe>().expect_err("unknown").to_string(),
            "invalid timeframe: '2h' is not a timeframe; allowed: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"
        );
    }

    #[test]
    fn candles_are_checked_before_they_are_stored() {
        let good = Candle {
            open_time: 3_600_000,
            open: 10.0,
            high: 12.0,
            low: 9.0,
            close: 11.0,
            volume: 5.0,
        };
        assert_eq!(good.problem(Timeframe::H1), None);
        assert!(good
            .problem(Timeframe::H4)
            .expect("misaligned")
            .contains("4h boundary"));
        let inverted = Candle { high: 10.5, ..good };
        assert!(inverted
            .problem(Timeframe::H1)
            .expect("high below close")
            .contains("high 10.5"));
        let nan = Candle {
            low: f64::NAN,
            ..good
        };
        assert!(nan.problem(Timeframe::H1).is_some());
        let negative = Candle {
            volume: -1.0,
            ..good
        };
        assert!(negative
            .problem(Timeframe::H1)
            .expect("volume")
            .contains("volume -1"));
    }
}
