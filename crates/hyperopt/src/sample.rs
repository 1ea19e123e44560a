//! A sample to sweep: the SMA crossover with a search space over its entry windows and its stop (what the
//! docs' examples and the tests use).

use serde_json::json;
use tradai_domain::entities::StrategyConfig;

/// `tradai_backtest::synthetic::sma_crossover` with `entry.fast` 5–40, `entry.slow` 20–120 in steps of 5 and
/// `stoploss` from -0.2 to -0.02.
pub fn strategy() -> StrategyConfig {
    StrategyConfig {
        search_space: serde_json::from_value(json!({
            "entry.fast": {"type": "int", "low": 5, "high": 40},
            "entry.slow": {"type": "int", "low": 20, "high": 120, "step": 5},
            "stoploss": {"type": "float", "low": -0.2, "high": -0.02},
        }))
        .expect("a valid space"),
        ..tradai_backtest::synthetic::sma_crossover()
    }
}
