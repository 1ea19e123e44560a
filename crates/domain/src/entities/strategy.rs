//! Declarative strategies (decision S11): a strategy is a config — entry and exit signals built from indicator
//! rules, a stop loss, a stake and fees — that the backtest runner evaluates. The strategy service stores,
//! validates and merges them; every rule breaks with the path of the offending field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::market::{Symbol, Timeframe};

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
}

fn default_fee() -> f64 {
    0.001
}

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
        out
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
        let unknown = StrategyConfig::parse(&merge(&sample(), &json!({"leverage": 10})))
            .expect_err("unknown field");
        assert!(
            unknown[0].message.contains("unknown field `leverage`"),
            "{:?}",
            unknown
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
