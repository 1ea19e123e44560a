//! A strategy's hyperopt search space (issue 19, decision H1): parameters named by their path in the strategy
//! config (`entry.fast`, `stoploss`, `minimal_roi.60`), each an integer, float (optionally log-scaled) or
//! categorical range. A trial is the strategy with one value per parameter put at its path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::strategy::{ConfigIssue, StrategyConfig};

/// Most parameters in one space.
pub const MAX_PARAMETERS: usize = 32;
/// Most choices of a categorical parameter.
pub const MAX_CHOICES: usize = 64;

/// The parameters of a sweep, by path.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SearchSpace(pub BTreeMap<String, Parameter>);

/// One parameter's range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Parameter {
    /// `low`, `low + step`, … up to `high` (both included).
    Int {
        low: i64,
        high: i64,
        #[serde(default = "one")]
        step: i64,
    },
    /// From `low` to `high`, uniform or (with `log`) uniform in the logarithm.
    Float {
        low: f64,
        high: f64,
        #[serde(default)]
        log: bool,
    },
    /// One of `choices` (numbers, strings or booleans).
    Categorical { choices: Vec<Value> },
}

fn one() -> i64 {
    1
}

/// Values for some parameters, by path.
pub type Point = BTreeMap<String, Value>;

/// Where a parameter may point: the fields of the rules and of the money management.
fn tunable(path: &str) -> bool {
    const TOP: [&str; 8] = [
        "stake_amount",
        "stoploss",
        "leverage",
        "max_open_trades",
        "trailing_stop",
        "trailing_stop_positive",
        "trailing_stop_positive_offset",
        "trailing_only_offset_is_reached",
    ];
    const SIGNALS: [&str; 4] = ["entry", "exit", "short_entry", "short_exit"];
    const SIGNAL_FIELDS: [&str; 6] = [
        "fast",
        "slow",
        "period",
        "threshold",
        "std_dev",
        "direction",
    ];
    if TOP.contains(&path) {
        return true;
    }
    if let Some(minutes) = path.strip_prefix("minimal_roi.") {
        return minutes.parse::<u32>().is_ok();
    }
    path.split_once('.')
        .is_some_and(|(signal, field)| SIGNALS.contains(&signal) && SIGNAL_FIELDS.contains(&field))
}

impl Parameter {
    /// The values to check a range by: its ends, or every choice.
    fn bounds(&self) -> Vec<(&'static str, Value)> {
        match self {
            Parameter::Int { low, high, .. } => {
                vec![("low", (*low).into()), ("high", (*high).into())]
            }
            Parameter::Float { low, high, .. } => {
                vec![("low", Value::from(*low)), ("high", Value::from(*high))]
            }
            Parameter::Categorical { choices } => {
                choices.iter().map(|c| ("choices", c.clone())).collect()
            }
        }
    }

    fn check_shape(&self, field: &str, out: &mut Vec<ConfigIssue>) {
        let mut broken = |what: &str, message: String| {
            out.push(ConfigIssue {
                field: format!("{field}.{what}"),
                message,
            })
        };
        match self {
            Parameter::Int { low, high, step } => {
                if low > high {
                    broken("high", format!("{high} is below low {low}"));
                }
                if *step < 1 || *step > high.saturating_sub(*low).max(1) {
                    broken("step", format!("{step} is not from 1 to high - low"));
                }
            }
            Parameter::Float { low, high, log } => {
                if !(low.is_finite() && high.is_finite() && low < high) {
                    broken(
                        "high",
                        format!("{high} is not a finite number above low {low}"),
                    );
                }
                if *log && *low <= 0.0 {
                    broken(
                        "low",
                        format!("{low} is not positive, as a log range needs"),
                    );
                }
            }
            Parameter::Categorical { choices } => {
                if choices.is_empty() || choices.len() > MAX_CHOICES {
                    broken(
                        "choices",
                        format!("{} choices; 1 to {MAX_CHOICES} allowed", choices.len()),
                    );
                }
                let distinct: std::collections::BTreeSet<String> =
                    choices.iter().map(Value::to_string).collect();
                if distinct.len() != choices.len() {
                    broken("choices", "a choice is repeated".to_owned());
                }
            }
        }
    }
}

impl SearchSpace {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every broken rule of the space over `base`, at `search_space.<path>.<low|high|step|choices>`. Each end
    /// of a range is put into `base` alone and must pass the field's own rules; an SMA or EMA window is
    /// checked with its partner at the far end of the periods, so a range only breaks by itself (a trial
    /// whose fast window is not shorter than its slow one is infeasible, not an error of the space).
    pub fn check(&self, base: &StrategyConfig, out: &mut Vec<ConfigIssue>) {
        if self.0.len() > MAX_PARAMETERS {
            out.push(ConfigIssue {
                field: "search_space".into(),
                message: format!("{} parameters; at most {MAX_PARAMETERS}", self.0.len()),
            });
        }
        self.check_warm_up(base, out);
        for (path, parameter) in &self.0 {
            let field = format!("search_space.{path}");
            if !tunable(path) {
                out.push(ConfigIssue {
                    field,
                    message: format!(
                        "'{path}' is not a tunable field: entry|exit|short_entry|short_exit \
                         .fast|slow|period|threshold|std_dev|direction, stake_amount, stoploss, leverage, \
                         max_open_trades, the trailing-stop fields or minimal_roi.<minutes>"
                    ),
                });
                continue;
            }
            parameter.check_shape(&field, out);
            for (end, value) in parameter.bounds() {
                let message = match alone(base, path, &value) {
                    Err(message) => Some(message),
                    Ok(config) => config
                        .check()
                        .into_iter()
                        .find(|i| i.field == *path)
                        .map(|i| i.message),
                };
                if let Some(message) = message {
                    out.push(ConfigIssue {
                        field: format!("{field}.{end}"),
                        message: format!("{value}: {message}"),
                    });
                }
            }
        }
    }
}

impl SearchSpace {
    /// Candles that warm every trial of the space over `base`: what the longest windows (the integer
    /// ranges' `high` ends) derive, or `base`'s own count when that is more.
    pub fn startup_candles(&self, base: &StrategyConfig) -> u32 {
        let highs: Point = self
            .0
            .iter()
            .filter_map(|(path, parameter)| match parameter {
                Parameter::Int { high, .. } => Some((path.clone(), (*high).into())),
                _ => None,
            })
            .collect();
        let widest = apply(base, &highs).map_or(0, |mut widest| {
            widest.startup_candle_count = None;
            widest.startup_candles()
        });
        widest.max(base.startup_candles())
    }

    /// A declared `startup_candle_count` must warm the space's longest windows (their `high` ends).
    fn check_warm_up(&self, base: &StrategyConfig, out: &mut Vec<ConfigIssue>) {
        let Some(declared) = base.startup_candle_count else {
            return;
        };
        let needed = self.startup_candles(base);
        if needed > declared {
            out.push(ConfigIssue {
                field: "startup_candle_count".into(),
                message: format!(
                    "{declared} is fewer than the {needed} candles the search space's longest windows need"
                ),
            });
        }
    }
}

/// `base` with `value` at `path` and, for a moving-average window, its partner at the far end of the periods.
fn alone(base: &StrategyConfig, path: &str, value: &Value) -> Result<StrategyConfig, String> {
    let mut point = Point::from([(path.to_owned(), value.clone())]);
    if let Some((signal, field)) = path.split_once('.') {
        let partner = match field {
            "fast" => Some(("slow", 500)),
            "slow" => Some(("fast", 2)),
            _ => None,
        };
        if let Some((other, far)) = partner {
            point.insert(format!("{signal}.{other}"), far.into());
        }
    }
    let mut config = apply(base, &point)?;
    config.startup_candle_count = None;
    config.search_space = SearchSpace::default();
    Ok(config)
}

/// `base` with each value of `point` at its path; an error names the path that cannot take its value.
pub fn apply(base: &StrategyConfig, point: &Point) -> Result<StrategyConfig, String> {
    let mut tree = serde_json::to_value(base).map_err(|e| e.to_string())?;
    for (path, value) in point {
        let (parent, key) = match path.rsplit_once('.') {
            Some((parent, key)) => (Some(parent), key),
            None => (None, path.as_str()),
        };
        let holder = match parent {
            None => Some(&mut tree),
            Some("minimal_roi") => {
                let object = tree
                    .as_object_mut()
                    .ok_or_else(|| format!("{path}: the config is not an object"))?;
                Some(
                    object
                        .entry("minimal_roi")
                        .or_insert_with(|| Value::Object(Default::default())),
                )
            }
            Some(parent) => tree.get_mut(parent),
        };
        let Some(Value::Object(fields)) = holder else {
            return Err(format!(
                "{path}: the strategy has no '{}'",
                parent.unwrap_or(path)
            ));
        };
        if parent.is_some() && parent != Some("minimal_roi") && !fields.contains_key(key) {
            return Err(format!("{path}: this rule has no '{key}'"));
        }
        fields.insert(key.to_owned(), value.clone());
    }
    serde_json::from_value(tree).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::{Direction, Signal, Timeframe};
    use serde_json::json;

    fn base() -> StrategyConfig {
        let sma = |direction| Signal::SmaCross {
            fast: 10,
            slow: 30,
            direction,
        };
        StrategyConfig::new(
            "space",
            Timeframe::H1,
            vec!["BTC/USDT:USDT".parse().expect("symbol")],
            sma(Direction::Above),
            sma(Direction::Below),
        )
    }

    fn issues(space: Value) -> Vec<(String, String)> {
        let space: SearchSpace = serde_json::from_value(space).expect("parses");
        let mut out = Vec::new();
        space.check(&base(), &mut out);
        out.into_iter().map(|i| (i.field, i.message)).collect()
    }

    #[test]
    fn a_space_over_windows_stop_and_roi_is_valid_even_where_the_windows_overlap() {
        let found = issues(json!({
            "entry.fast": {"type": "int", "low": 5, "high": 60},
            "entry.slow": {"type": "int", "low": 20, "high": 200, "step": 5},
            "stoploss": {"type": "float", "low": -0.2, "high": -0.01},
            "stake_amount": {"type": "float", "low": 10, "high": 1000, "log": true},
            "minimal_roi.60": {"type": "float", "low": 0.0, "high": 0.1},
            "exit.direction": {"type": "categorical", "choices": ["below", "above"]},
        }));
        assert_eq!(found, vec![]);
    }

    #[test]
    fn each_broken_range_names_its_field_and_end() {
        let found = issues(json!({
            "entry.fast": {"type": "int", "low": 5, "high": 900},
            "entry.threshold": {"type": "float", "low": 10, "high": 20},
            "stoploss": {"type": "float", "low": -0.1, "high": 0.1},
            "fee": {"type": "float", "low": 0.0, "high": 0.01},
            "stake_amount": {"type": "float", "low": 0, "high": 10, "log": true},
            "exit.slow": {"type": "int", "low": 40, "high": 20},
            "exit.direction": {"type": "categorical", "choices": ["below", "below"]},
            "entry.slow": {"type": "float", "low": 20, "high": 40.5},
        }));
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        for expected in [
            "search_space.entry.fast.high",
            "search_space.entry.threshold.low",
            "search_space.stoploss.high",
            "search_space.fee",
            "search_space.stake_amount.low",
            "search_space.exit.slow.high",
            "search_space.exit.direction.choices",
            "search_space.entry.slow.high",
        ] {
            assert!(fields.contains(&expected), "{expected} in {found:?}");
        }
        let fast = &found[fields
            .iter()
            .position(|f| *f == "search_space.entry.fast.high")
            .unwrap()];
        assert!(
            fast.1.contains("900") && fast.1.contains("2 to 500"),
            "{fast:?}"
        );
        let threshold = &found[fields
            .iter()
            .position(|f| *f == "search_space.entry.threshold.low")
            .unwrap()];
        assert!(threshold.1.contains("no 'threshold'"), "{threshold:?}");
    }

    #[test]
    fn a_declared_warm_up_must_cover_the_longest_windows_of_the_space() {
        let space: SearchSpace = serde_json::from_value(json!({
            "entry.slow": {"type": "int", "low": 20, "high": 200},
        }))
        .expect("space");
        let declared = |n| {
            let mut out = Vec::new();
            let config = StrategyConfig {
                startup_candle_count: Some(n),
                ..base()
            };
            space.check(&config, &mut out);
            out
        };
        let short = declared(50);
        assert_eq!(short.len(), 1, "{short:?}");
        assert_eq!(short[0].field, "startup_candle_count");
        assert!(short[0].message.contains("200 candles"), "{short:?}");
        assert_eq!(declared(200), vec![]);
    }

    #[test]
    fn a_point_is_put_at_its_paths() {
        let point = Point::from([
            ("entry.fast".to_owned(), json!(7)),
            ("minimal_roi.60".to_owned(), json!(0.02)),
            ("trailing_stop".to_owned(), json!(true)),
        ]);
        let config = apply(&base(), &point).expect("applies");
        assert_eq!(
            config.entry,
            Signal::SmaCross {
                fast: 7,
                slow: 30,
                direction: Direction::Above
            }
        );
        assert_eq!(config.minimal_roi, BTreeMap::from([(60, 0.02)]));
        assert!(config.trailing_stop);
        assert_eq!(config.exit, base().exit, "the rest is the base");
    }
}
