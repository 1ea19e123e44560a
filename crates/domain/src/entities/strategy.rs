//! Declarative strategies (decision S11): a strategy is a config — entry and exit signals built from indicator
//! rules, a stop loss, a stake and fees — that the backtest runner evaluates. The strategy service stores,
//! validates and merges them; every rule breaks with the path of the offending field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::market::{Symbol, Timeframe};
use super::search_space::SearchSpace;

/// One strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyConfig {
    /// Lower-case words joined by hyphens (`sma-crossover`).
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub timeframe: Timeframe,
    pub symbols: Vec<Symbol>,
    /// Quote currency per trade.
    pub stake_amount: f64,
    /// Stop loss as a negative fraction of the entry price (-0.05 = 5 %).
    pub stoploss: f64,
    /// Fee per side as a fraction (0.001 = 0.1 %).
    #[serde(default = "default_fee")]
    pub fee: f64,
    /// When to open a long position.
    pub entry: Signal,
    /// When to close it (besides the stop loss).
    pub exit: Signal,
    /// Candles loaded before the range so every indicator is warm at the range's first candle (Freqtrade's
    /// `startup_candle_count`). Unset: derived from the rules ([`StrategyConfig::startup_candles`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_candle_count: Option<u32>,
    /// Freqtrade's `minimal_roi`: trade age in minutes → the profit ratio (net of both fees, on the margin) at
    /// which the trade exits; the entry with the largest age not above the trade's age applies.
    /// `{"0": 0.04, "30": 0.02, "60": 0}`: 4 % at once, 2 % after 30 minutes, break-even after an hour.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub minimal_roi: BTreeMap<u32, f64>,
    /// The stop follows the best price since entry at the stop loss's distance.
    #[serde(default, skip_serializing_if = "is_false")]
    pub trailing_stop: bool,
    /// Once the profit at the best price exceeds `trailing_stop_positive_offset`, trail at this distance instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trailing_stop_positive: Option<f64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trailing_stop_positive_offset: f64,
    /// Keep the fixed stop until the offset is reached (no trailing before).
    #[serde(default, skip_serializing_if = "is_false")]
    pub trailing_only_offset_is_reached: bool,
    /// When to open a short position (futures symbols only); unset: long only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_entry: Option<Signal>,
    /// When to close a short (besides the stops and the ROI table); unset: stops and ROI only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_exit: Option<Signal>,
    /// Position size over margin (futures symbols only above 1). The stop loss and the ROI table are ratios of
    /// the margin, as in Freqtrade: -0.05 at 5× leverage is a 1 % price move.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub leverage: f64,
    /// Positions open at once across the symbols, which share one wallet; unset: one per symbol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_open_trades: Option<u32>,
    /// The hyperopt search space: parameters by their path in this config (decision H1).
    #[serde(default, skip_serializing_if = "SearchSpace::is_empty")]
    pub search_space: SearchSpace,
}

fn default_fee() -> f64 {
    0.001
}

fn one() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// Most candles a strategy may load before its range.
pub const MAX_STARTUP_CANDLES: u32 = 5000;
/// Highest leverage (Binance USD-M's maximum).
pub const MAX_LEVERAGE: f64 = 125.0;

/// A condition on closed candles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Signal {
    /// The fast simple moving average crosses the slow one (`above` for entries, `below` for exits).
    SmaCross {
        fast: u32,
        slow: u32,
        direction: Direction,
    },
    /// The same with exponential moving averages.
    EmaCross {
        fast: u32,
        slow: u32,
        direction: Direction,
    },
    /// RSI crosses `threshold` (`above` or `below`).
    Rsi {
        period: u32,
        threshold: f64,
        direction: Direction,
    },
    /// The close crosses a Bollinger band (`below` the lower band, `above` the upper band).
    Bollinger {
        period: u32,
        std_dev: f64,
        direction: Direction,
    },
}

/// Which way a cross goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Above,
    Below,
}

/// One broken rule: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigIssue {
    /// JSON path of the field (`entry.slow`).
    pub field: String,
    pub message: String,
}

fn issue(field: &str, message: String) -> ConfigIssue {
    ConfigIssue {
        field: field.to_owned(),
        message,
    }
}

fn check_period(out: &mut Vec<ConfigIssue>, field: &str, period: u32) {
    if !(2..=500).contains(&period) {
        out.push(issue(
            field,
            format!("{period} is not a period from 2 to 500 candles"),
        ));
    }
}

impl Signal {
    /// Candles this rule needs before its value settles: the window of a simple average or a band, three times
    /// the period of a recursive one (EMA, Wilder's RSI), so its seed weighs under 5 % of the value.
    pub fn warmup(&self) -> u32 {
        match self {
            Signal::SmaCross { slow, .. } => *slow,
            Signal::Bollinger { period, .. } => *period,
            Signal::EmaCross { slow, .. } => slow.saturating_mul(3),
            Signal::Rsi { period, .. } => period.saturating_mul(3).saturating_add(1),
        }
    }

    fn check(&self, path: &str, out: &mut Vec<ConfigIssue>) {
        match self {
            Signal::SmaCross { fast, slow, .. } | Signal::EmaCross { fast, slow, .. } => {
                check_period(out, &format!("{path}.fast"), *fast);
                check_period(out, &format!("{path}.slow"), *slow);
                if fast >= slow {
                    out.push(issue(
                        &format!("{path}.fast"),
                        format!("fast {fast} must be shorter than slow {slow}"),
                    ));
                }
            }
            Signal::Rsi {
                period, threshold, ..
            } => {
                check_period(out, &format!("{path}.period"), *period);
                if !(threshold.is_finite() && *threshold > 0.0 && *threshold < 100.0) {
                    out.push(issue(
                        &format!("{path}.threshold"),
                        format!("{threshold} is not between 0 and 100"),
                    ));
                }
            }
            Signal::Bollinger {
                period, std_dev, ..
            } => {
                check_period(out, &format!("{path}.period"), *period);
                if !(std_dev.is_finite() && *std_dev > 0.0 && *std_dev <= 5.0) {
                    out.push(issue(
                        &format!("{path}.std_dev"),
                        format!("{std_dev} is not a width from 0 to 5 standard deviations"),
                    ));
                }
            }
        }
    }
}

impl StrategyConfig {
    /// A long-only strategy of `entry` and `exit` with the reference's defaults (1,000 stake, 0.1 % fee) and a
    /// 5 % stop; the other rules off. Set the rest with struct update syntax.
    pub fn new(
        name: &str,
        timeframe: Timeframe,
        symbols: Vec<Symbol>,
        entry: Signal,
        exit: Signal,
    ) -> Self {
        StrategyConfig {
            name: name.to_owned(),
            description: String::new(),
            timeframe,
            symbols,
            stake_amount: 1000.0,
            stoploss: -0.05,
            fee: default_fee(),
            entry,
            exit,
            startup_candle_count: None,
            minimal_roi: BTreeMap::new(),
            trailing_stop: false,
            trailing_stop_positive: None,
            trailing_stop_positive_offset: 0.0,
            trailing_only_offset_is_reached: false,
            short_entry: None,
            short_exit: None,
            leverage: 1.0,
            max_open_trades: None,
            search_space: SearchSpace::default(),
        }
    }

    /// Every broken rule (empty when valid).
    pub fn check(&self) -> Vec<ConfigIssue> {
        let mut out = Vec::new();
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.split('-').all(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !name_ok {
            out.push(issue(
                "name",
                format!("'{}' is not lower-case words joined by hyphens", self.name),
            ));
        }
        if self.symbols.is_empty() || self.symbols.len() > 50 {
            out.push(issue(
                "symbols",
                format!("{} symbols; 1 to 50 allowed", self.symbols.len()),
            ));
        }
        if !(self.stake_amount.is_finite() && self.stake_amount > 0.0) {
            out.push(issue(
                "stake_amount",
                format!("{} is not a positive amount", self.stake_amount),
            ));
        }
        if !(self.stoploss > -1.0 && self.stoploss < 0.0) {
            out.push(issue(
                "stoploss",
                format!("{} is not between -1 and 0 (e.g. -0.05)", self.stoploss),
            ));
        }
        if !(0.0..0.05).contains(&self.fee) {
            out.push(issue(
                "fee",
                format!("{} is not a fee from 0 to 0.05", self.fee),
            ));
        }
        self.entry.check("entry", &mut out);
        self.exit.check("exit", &mut out);
        for (path, signal) in [
            ("short_entry", &self.short_entry),
            ("short_exit", &self.short_exit),
        ] {
            if let Some(signal) = signal {
                signal.check(path, &mut out);
            }
        }
        self.check_rules(&mut out);
        self.search_space.check(self, &mut out);
        out
    }

    /// The rule set beyond the signals: warm-up, ROI table, trailing stop, futures and the portfolio.
    fn check_rules(&self, out: &mut Vec<ConfigIssue>) {
        let derived = self.derived_startup();
        if let Some(n) = self.startup_candle_count {
            if n > MAX_STARTUP_CANDLES {
                out.push(issue(
                    "startup_candle_count",
                    format!("{n} is more than {MAX_STARTUP_CANDLES} candles"),
                ));
            } else if n < derived {
                out.push(issue(
                    "startup_candle_count",
                    format!("{n} is fewer than the {derived} candles the rules need to warm up"),
                ));
            }
        }
        if self.minimal_roi.len() > 20 {
            out.push(issue(
                "minimal_roi",
                format!("{} steps; at most 20", self.minimal_roi.len()),
            ));
        }
        for (age, ratio) in &self.minimal_roi {
            let field = format!("minimal_roi.{age}");
            if *age > 525_600 {
                out.push(issue(&field, format!("{age} minutes is more than a year")));
            }
            if !(ratio.is_finite() && *ratio > -1.0 && *ratio <= 100.0) {
                out.push(issue(
                    &field,
                    format!("{ratio} is not a profit ratio above -1 and at most 100"),
                ));
            }
        }
        self.check_trailing(out);
        if !(self.leverage.is_finite() && (1.0..=MAX_LEVERAGE).contains(&self.leverage)) {
            out.push(issue(
                "leverage",
                format!("{} is not from 1 to {MAX_LEVERAGE}", self.leverage),
            ));
        }
        let spot: Vec<&str> = self
            .symbols
            .iter()
            .filter(|s| !s.is_futures())
            .map(Symbol::as_str)
            .collect();
        if !spot.is_empty() {
            if self.leverage > 1.0 {
                out.push(issue(
                    "leverage",
                    format!(
                        "{} needs futures symbols (BASE/QUOTE:SETTLE); {} are spot",
                        self.leverage,
                        spot.join(", ")
                    ),
                ));
            }
            if self.short_entry.is_some() {
                out.push(issue(
                    "short_entry",
                    format!(
                        "shorts need futures symbols (BASE/QUOTE:SETTLE); {} are spot",
                        spot.join(", ")
                    ),
                ));
            }
        }
        if self.short_exit.is_some() && self.short_entry.is_none() {
            out.push(issue(
                "short_exit",
                "a short exit without a short_entry never fires".into(),
            ));
        }
        if let Some(n) = self.max_open_trades {
            if !(1..=50).contains(&n) {
                out.push(issue("max_open_trades", format!("{n} is not from 1 to 50")));
            }
        }
    }

    fn check_trailing(&self, out: &mut Vec<ConfigIssue>) {
        if let Some(p) = self.trailing_stop_positive {
            if !(p.is_finite() && p > 0.0 && p < 1.0) {
                out.push(issue(
                    "trailing_stop_positive",
                    format!("{p} is not a ratio between 0 and 1"),
                ));
            } else if self.trailing_stop_positive_offset != 0.0
                && self.trailing_stop_positive_offset <= p
            {
                out.push(issue(
                    "trailing_stop_positive_offset",
                    format!(
                        "{} must be above trailing_stop_positive {p}, or the stop would lock in a loss",
                        self.trailing_stop_positive_offset
                    ),
                ));
            }
        }
        let offset = self.trailing_stop_positive_offset;
        if !(offset.is_finite() && (0.0..=10.0).contains(&offset)) {
            out.push(issue(
                "trailing_stop_positive_offset",
                format!("{offset} is not a ratio from 0 to 10"),
            ));
        }
        let needs = [
            (
                "trailing_stop_positive",
                self.trailing_stop_positive.is_some(),
            ),
            ("trailing_stop_positive_offset", offset != 0.0),
            (
                "trailing_only_offset_is_reached",
                self.trailing_only_offset_is_reached,
            ),
        ];
        for (field, set) in needs {
            if set && !self.trailing_stop {
                out.push(issue(field, "is set but trailing_stop is false".into()));
            }
        }
        if self.trailing_only_offset_is_reached && self.trailing_stop_positive.is_none() {
            out.push(issue(
                "trailing_only_offset_is_reached",
                "needs trailing_stop_positive".into(),
            ));
        }
    }

    fn derived_startup(&self) -> u32 {
        [
            Some(&self.entry),
            Some(&self.exit),
            self.short_entry.as_ref(),
            self.short_exit.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(Signal::warmup)
        .max()
        .unwrap_or(0)
    }

    /// Candles to load before the range: the declared `startup_candle_count`, or what the rules need.
    pub fn startup_candles(&self) -> u32 {
        self.startup_candle_count
            .unwrap_or_else(|| self.derived_startup())
    }

    /// How far before the range the warm-up candles of `timeframe` reach, in milliseconds.
    pub fn warmup_millis(&self, timeframe: Timeframe) -> i64 {
        i64::from(self.startup_candles()) * timeframe.millis()
    }

    /// Whole days of data to sync before the range so the warm-up is covered (EnsureData's `padding_days`).
    pub fn padding_days(&self, timeframe: Timeframe) -> i64 {
        const DAY: i64 = 86_400_000;
        (self.warmup_millis(timeframe) + DAY - 1) / DAY
    }

    /// Positions open at once: `max_open_trades`, or one per symbol.
    pub fn open_trades_cap(&self) -> usize {
        self.max_open_trades
            .map_or(self.symbols.len(), |n| n as usize)
            .max(1)
    }

    /// Parse and check a JSON document: the config, or every problem (a parse error is one problem at its path).
    pub fn parse(document: &Value) -> Result<StrategyConfig, Vec<ConfigIssue>> {
        let config: StrategyConfig = serde_json::from_value(document.clone())
            .map_err(|e| vec![issue("(document)", e.to_string())])?;
        let issues = config.check();
        if issues.is_empty() {
            Ok(config)
        } else {
            Err(issues)
        }
    }
}

/// `base` with `overrides` applied as a JSON merge patch (RFC 7386): objects merge key by key, `null` removes a
/// key, anything else replaces.
pub fn merge(base: &Value, overrides: &Value) -> Value {
    match (base, overrides) {
        (Value::Object(base), Value::Object(patch)) => {
            let mut out = base.clone();
            for (key, value) in patch {
                if value.is_null() {
                    out.remove(key);
                } else {
                    let merged = merge(out.get(key).unwrap_or(&Value::Null), value);
                    out.insert(key.clone(), merged);
                }
            }
            Value::Object(out)
        }
        (_, patch) => patch.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "name": "sma-crossover", "timeframe": "1h", "symbols": ["BTC/USDT:USDT"], "stake_amount": 1000.0,
            "stoploss": -0.05,
            "entry": {"rule": "sma_cross", "fast": 20, "slow": 50, "direction": "above"},
            "exit": {"rule": "sma_cross", "fast": 20, "slow": 50, "direction": "below"},
        })
    }

    #[test]
    fn a_valid_strategy_parses_with_default_fees() {
        let config = StrategyConfig::parse(&sample()).expect("valid");
        assert_eq!(config.fee, 0.001);
        assert_eq!(
            config.entry,
            Signal::SmaCross {
                fast: 20,
                slow: 50,
                direction: Direction::Above
            }
        );
    }

    #[test]
    fn every_broken_rule_is_reported_with_its_path() {
        let bad = merge(
            &sample(),
            &json!({"name": "SMA", "stoploss": 0.1, "entry": {"fast": 60}, "exit": {"rule": "rsi", "period": 1, "threshold": 120.0, "direction": "above", "fast": null, "slow": null}}),
        );
        let issues = StrategyConfig::parse(&bad).expect_err("invalid");
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "stoploss",
                "entry.fast",
                "exit.period",
                "exit.threshold"
            ]
        );
        let unknown = StrategyConfig::parse(&merge(&sample(), &json!({"levrage": 10})))
            .expect_err("unknown field");
        assert!(
            unknown[0].message.contains("unknown field `levrage`"),
            "{:?}",
            unknown
        );
    }

    #[test]
    fn the_freqtrade_rules_parse_and_round_trip() {
        let rules = json!({
            "minimal_roi": {"0": 0.04, "30": 0.02, "60": 0.0}, "trailing_stop": true,
            "trailing_stop_positive": 0.01, "trailing_stop_positive_offset": 0.02,
            "trailing_only_offset_is_reached": true, "leverage": 3.0, "max_open_trades": 2,
            "short_entry": {"rule": "rsi", "period": 14, "threshold": 70.0, "direction": "below"},
            "startup_candle_count": 60,
        });
        let config = StrategyConfig::parse(&merge(&sample(), &rules)).expect("valid");
        assert_eq!(
            config.minimal_roi,
            BTreeMap::from([(0, 0.04), (30, 0.02), (60, 0.0)])
        );
        assert_eq!(
            (
                config.leverage,
                config.open_trades_cap(),
                config.startup_candles()
            ),
            (3.0, 2, 60)
        );
        let back = serde_json::to_value(&config).expect("serialises");
        assert_eq!(
            back["minimal_roi"],
            json!({"0": 0.04, "30": 0.02, "60": 0.0})
        );
        let plain =
            serde_json::to_value(StrategyConfig::parse(&sample()).expect("valid")).expect("json");
        assert!(
            plain.get("leverage").is_none() && plain.get("trailing_stop").is_none(),
            "defaults stay out: {plain}"
        );
    }

    #[test]
    fn the_warm_up_is_derived_from_the_longest_rule() {
        let config = StrategyConfig::parse(&sample()).expect("valid");
        assert_eq!(config.startup_candles(), 50, "SMA 50: its window");
        assert_eq!(
            (
                config.padding_days(Timeframe::H1),
                config.padding_days(Timeframe::D1)
            ),
            (3, 50),
            "50 hours round up to 3 days"
        );
        let ema = merge(
            &sample(),
            &json!({"exit": {"rule": "ema_cross", "fast": 12, "slow": 26}}),
        );
        assert_eq!(
            StrategyConfig::parse(&ema)
                .expect("valid")
                .startup_candles(),
            78,
            "EMA 26: three times"
        );
        let short = merge(&sample(), &json!({"startup_candle_count": 10}));
        let issues = StrategyConfig::parse(&short).expect_err("too few");
        assert_eq!(issues[0].field, "startup_candle_count");
        assert!(
            issues[0].message.contains("fewer than the 50"),
            "{:?}",
            issues[0]
        );
    }

    #[test]
    fn broken_freqtrade_rules_name_their_fields() {
        let bad = merge(
            &sample(),
            &json!({"symbols": ["BTC/USDT"], "minimal_roi": {"0": -2.0}, "trailing_stop_positive": 0.05,
                    "trailing_stop_positive_offset": 0.01, "leverage": 200.0, "max_open_trades": 0,
                    "short_entry": {"rule": "rsi", "period": 14, "threshold": 70.0, "direction": "below"}}),
        );
        let issues = StrategyConfig::parse(&bad).expect_err("invalid");
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "minimal_roi.0",
                "trailing_stop_positive_offset",
                "trailing_stop_positive",
                "trailing_stop_positive_offset",
                "leverage",
                "leverage",
                "short_entry",
                "max_open_trades"
            ]
        );
        let key = StrategyConfig::parse(&merge(&sample(), &json!({"minimal_roi": {"soon": 0.1}})))
            .expect_err("a key that is not minutes");
        assert!(
            key[0].message.contains("soon") || key[0].message.contains("invalid"),
            "{key:?}"
        );
    }

    #[test]
    fn merge_follows_rfc_7386() {
        let merged = merge(
            &json!({"a": 1, "b": {"c": 2, "d": 3}}),
            &json!({"b": {"c": null, "e": 4}, "f": [1]}),
        );
        assert_eq!(merged, json!({"a": 1, "b": {"d": 3, "e": 4}, "f": [1]}));
    }
}
