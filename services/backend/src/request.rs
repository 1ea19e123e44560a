//! The body of `POST /api/v1/backtests` and its validation into a domain config, with the reference's codes:
//! VAL001 dates (ISO 8601, start before end), VAL002 symbols, VAL003 timeframe, VAL004 missing field, VAL005
//! values out of range.

use serde::{Deserialize, Serialize};
use tradai_domain::entities::{BacktestConfig, Timeframe};
use tradai_service_kit::fields::{self, date, required};
use tradai_service_kit::{ApiError, ValidationCode};
use utoipa::ToSchema;

/// A backtest to run. Dates are ISO 8601 days; the range is `[start_date, end_date)` at 00:00 UTC (the end day
/// is not traded: 2024-01-01 to 2024-02-01 is January). Symbols are `BASE/QUOTE[:SETTLE]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBacktest {
    /// Strategy name (a strategy config of the strategy service).
    #[schema(example = "sma-crossover")]
    pub strategy: Option<String>,
    /// 1m, 5m, 15m, 30m, 1h, 4h, 1d or 1w (default 1h).
    #[schema(example = "1h")]
    pub timeframe: Option<String>,
    /// First day traded (included).
    #[schema(example = "2024-01-01")]
    pub start_date: Option<String>,
    /// The day the range ends (excluded).
    #[schema(example = "2024-07-01")]
    pub end_date: Option<String>,
    /// Pairs to trade (default `BTC/USDT:USDT`).
    #[schema(example = json!(["BTC/USDT:USDT"]))]
    pub symbols: Option<Vec<String>>,
    /// Stop loss as a negative fraction (-0.1 = 10 %).
    pub stoploss: Option<f64>,
    /// Stake per trade in quote currency (default 1000).
    pub stake_amount: Option<f64>,
    /// Config version to merge defaults from.
    pub config_version_id: Option<String>,
    /// MLflow experiment.
    pub experiment_name: Option<String>,
}

impl SubmitBacktest {
    /// The domain config, or the first rule it breaks.
    pub fn into_config(self) -> Result<BacktestConfig, ApiError> {
        let strategy = required("strategy", &self.strategy)?.to_owned();
        let start = date("start_date", required("start_date", &self.start_date)?)?;
        let end = date("end_date", required("end_date", &self.end_date)?)?;
        fields::ordered("start_date", start, end)?;
        let timeframe = match self.timeframe.as_deref() {
            None => Timeframe::H1,
            Some(text) => fields::timeframe("timeframe", text)?,
        };
        let symbols = self
            .symbols
            .unwrap_or_else(|| vec!["BTC/USDT:USDT".to_owned()]);
        let symbols = fields::symbols("symbols", &symbols, 50)?;
        let stake_amount = self.stake_amount.unwrap_or(1000.0);
        if !(stake_amount.is_finite() && stake_amount > 0.0) {
            return Err(ApiError::validation(
                ValidationCode::OutOfRange,
                "stake_amount",
                stake_amount,
                "a positive amount",
            ));
        }
        if let Some(stoploss) = self.stoploss.filter(|s| !(-1.0..0.0).contains(s)) {
            return Err(ApiError::validation(
                ValidationCode::OutOfRange,
                "stoploss",
                stoploss,
                "between -1 and 0, e.g. -0.1",
            ));
        }
        let config = BacktestConfig {
            strategy,
            timeframe,
            start_date: start,
            end_date: end,
            symbols,
            stoploss: self.stoploss,
            stake_amount,
            config_version_id: self.config_version_id,
            experiment_name: self.experiment_name,
        };
        config.validate().map_err(fields::refused)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> SubmitBacktest {
        serde_json::from_value(json).expect("body")
    }

    #[test]
    fn each_rule_has_its_code() {
        let cases = [
            (
                serde_json::json!({"strategy": "s", "start_date": "2024-02-01", "end_date": "2024-01-01"}),
                "VAL001",
                "start_date",
            ),
            (
                serde_json::json!({"strategy": "s", "start_date": "01/02/2024", "end_date": "2024-03-01"}),
                "VAL001",
                "start_date",
            ),
            (
                serde_json::json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-03-01", "symbols": ["BTCUSDT"]}),
                "VAL002",
                "symbols",
            ),
            (
                serde_json::json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-03-01", "timeframe": "2h"}),
                "VAL003",
                "timeframe",
            ),
            (
                serde_json::json!({"start_date": "2024-01-01", "end_date": "2024-03-01"}),
                "VAL004",
                "strategy",
            ),
            (
                serde_json::json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-03-01", "stake_amount": -5.0}),
                "VAL005",
                "stake_amount",
            ),
            (
                serde_json::json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-03-01", "stoploss": 0.2}),
                "VAL005",
                "stoploss",
            ),
        ];
        for (json, code, field) in cases {
            let error = body(json.clone())
                .into_config()
                .expect_err(&json.to_string());
            assert_eq!(
                (error.code, error.details["field"].as_str()),
                (code, Some(field)),
                "{json}"
            );
        }
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let config = body(serde_json::json!({"strategy": "sma-crossover", "start_date": "2024-01-01T00:00:00Z", "end_date": "2024-03-01"}))
            .into_config()
            .expect("valid");
        assert_eq!(config.timeframe, Timeframe::H1);
        assert_eq!(config.symbols[0].as_str(), "BTC/USDT:USDT");
        assert_eq!(config.stake_amount, 1000.0);
    }
}
