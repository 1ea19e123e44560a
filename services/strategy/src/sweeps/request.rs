//! The body of `POST /api/v1/hyperopt` and its validation into a sweep, with the reference's codes: VAL001 the
//! range, VAL004 a missing field, VAL005 a value out of range, VAL006 a body or search space that is not the
//! documented shape (each naming the field's path).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_domain::entities::StrategyConfig;
use tradai_hyperopt::{Constraints, Objective, SamplerKind, Spec};
use tradai_service_kit::fields::{self, date, required};
use tradai_service_kit::{ApiError, ValidationCode};
use utoipa::ToSchema;

/// Most trials one sweep may ask for through the API.
pub const MAX_TRIALS: u32 = 10_000;

/// A sweep to start. The range is `[start_date, end_date)` at 00:00 UTC, as for backtests; the symbols and
/// timeframe are the strategy's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSweep {
    /// A stored strategy (`GET /api/v1/strategies`).
    #[schema(example = "sma-crossover")]
    pub strategy: Option<String>,
    /// The space to search, replacing the strategy's own (`search_space` of the strategy config: a field's
    /// path to `{"type": "int"|"float"|"categorical", …}`); the strategy's when absent.
    #[schema(value_type = Option<Object>)]
    pub search_space: Option<Value>,
    /// sharpe (default), sortino, profit_total or calmar; maximised.
    #[schema(example = "sharpe")]
    pub objective: Option<String>,
    /// tpe (default), random or grid.
    #[schema(example = "tpe")]
    pub sampler: Option<String>,
    /// Trials to run, 1 to 10000 (default 100).
    #[schema(example = 100)]
    pub trials: Option<u32>,
    /// First day traded (included).
    #[schema(example = "2024-01-01")]
    pub start_date: Option<String>,
    /// The day the range ends (excluded).
    #[schema(example = "2024-04-01")]
    pub end_date: Option<String>,
    /// The sampler's seed: the same seed, space and data give the same trials (default 0).
    pub seed: Option<u64>,
    /// Walk-forward folds a trial runs in turn, pruned at the median between them, 1 to 20 (default 1).
    pub folds: Option<u32>,
    /// A trial with fewer trades is not a candidate for the best.
    pub min_trades: Option<u32>,
    /// A trial whose largest drawdown exceeds this fraction (0 to 1) is not a candidate for the best.
    pub max_drawdown: Option<f64>,
}

/// What a valid request starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub strategy: StrategyConfig,
    pub spec: Spec,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

/// Read a request body (VAL006 at the path of the field that is not of its type, VAL004 for a body that is
/// not a JSON object).
pub fn parse(body: &[u8]) -> Result<StartSweep, ApiError> {
    let mut reader = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".into() } else { path };
        ApiError::validation(
            ValidationCode::ConfigFormat,
            &field,
            e.inner().to_string(),
            "a JSON sweep request as documented (StartSweep)",
        )
    })
}

fn named<T: for<'de> Deserialize<'de>>(
    field: &str,
    value: &Option<String>,
    default: T,
    allowed: &str,
) -> Result<T, ApiError> {
    match value {
        None => Ok(default),
        Some(text) => serde_json::from_value(Value::String(text.clone()))
            .map_err(|_| ApiError::validation(ValidationCode::OutOfRange, field, text, allowed)),
    }
}

fn out_of_range(field: &str, value: impl Serialize, allowed: &str) -> ApiError {
    ApiError::validation(ValidationCode::OutOfRange, field, value, allowed)
}

impl StartSweep {
    /// The stored strategy's name (VAL004 when absent).
    pub fn strategy_name(&self) -> Result<&str, ApiError> {
        required("strategy", &self.strategy)
    }

    /// The sweep over `stored` (the strategy's config document), or the first rule the request breaks.
    pub fn into_sweep(self, mut stored: Value) -> Result<Sweep, ApiError> {
        if let Some(space) = &self.search_space {
            stored["search_space"] = space.clone();
        }
        let strategy = StrategyConfig::parse(&stored).map_err(|issues| {
            let first = issues.into_iter().next();
            let (field, message) = first.map_or_else(
                || ("search_space".to_owned(), String::new()),
                |i| (i.field, i.message),
            );
            ApiError::validation(
                ValidationCode::ConfigFormat,
                &field,
                message,
                "a valid strategy config with its search space",
            )
        })?;
        if strategy.search_space.is_empty() {
            return Err(ApiError::validation(
                ValidationCode::MissingField,
                "search_space",
                Value::Null,
                "a search space: the request's or the strategy's own",
            ));
        }
        let start = date("start_date", required("start_date", &self.start_date)?)?;
        let end = date("end_date", required("end_date", &self.end_date)?)?;
        fields::ordered("start_date", start, end)?;
        tradai_domain::bounds::check_range(
            ("start_date", start),
            ("end_date", end),
            strategy.timeframe,
            chrono::Utc::now().date_naive(),
        )
        .map_err(fields::refused)?;
        let trials = self.trials.unwrap_or(100);
        if !(1..=MAX_TRIALS).contains(&trials) {
            return Err(out_of_range(
                "trials",
                trials,
                &format!("1 to {MAX_TRIALS}"),
            ));
        }
        if let Some(drawdown) = self.max_drawdown.filter(|d| !(*d > 0.0 && *d <= 1.0)) {
            return Err(out_of_range(
                "max_drawdown",
                drawdown,
                "a fraction above 0, at most 1 (0.3 = 30 %)",
            ));
        }
        let spec = Spec {
            objective: named(
                "objective",
                &self.objective,
                Objective::default(),
                "sharpe, sortino, profit_total or calmar",
            )?,
            folds: self.folds.unwrap_or(1),
            constraints: Constraints {
                min_trades: self.min_trades,
                max_drawdown: self.max_drawdown,
            },
            ..Spec::new(
                named(
                    "sampler",
                    &self.sampler,
                    SamplerKind::default(),
                    "tpe, random or grid",
                )?,
                trials,
                self.seed.unwrap_or(0),
            )
        };
        if let Some((field, message)) = spec.check().into_iter().next() {
            return Err(out_of_range(&field, message, "see the StartSweep schema"));
        }
        Ok(Sweep {
            strategy,
            spec,
            start_date: start,
            end_date: end,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn stored() -> Value {
        serde_json::to_value(tradai_hyperopt::sample::strategy()).expect("json")
    }

    fn sweep(body: Value) -> Result<Sweep, ApiError> {
        parse(body.to_string().as_bytes())?.into_sweep(stored())
    }

    fn refused(body: Value) -> (String, String) {
        let error = sweep(body.clone()).expect_err(&body.to_string());
        (
            serde_json::to_value(error.code)
                .ok()
                .and_then(|c| c.as_str().map(str::to_owned))
                .unwrap_or_default(),
            error.details["field"].as_str().unwrap_or("").to_owned(),
        )
    }

    #[test]
    fn each_rule_has_its_code_and_field() {
        let range = json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-03-01"});
        let with = |extra: Value| {
            let mut body = range.clone();
            for (k, v) in extra.as_object().into_iter().flatten() {
                body[k] = v.clone();
            }
            body
        };
        let cases = [
            (
                json!({"strategy": "s", "start_date": "2024-03-01", "end_date": "2024-01-01"}),
                "VAL001",
                "start_date",
            ),
            (
                json!({"strategy": "s", "end_date": "2024-01-01"}),
                "VAL004",
                "start_date",
            ),
            (with(json!({"trials": 0})), "VAL005", "trials"),
            (with(json!({"trials": 10_001})), "VAL005", "trials"),
            (with(json!({"trials": -1})), "VAL006", "trials"),
            (with(json!({"sampler": "cmaes"})), "VAL005", "sampler"),
            (with(json!({"objective": "loss"})), "VAL005", "objective"),
            (with(json!({"folds": 21})), "VAL005", "folds"),
            (with(json!({"max_drawdown": 1.5})), "VAL005", "max_drawdown"),
            (with(json!({"epochs": 5})), "VAL006", "epochs"),
            (
                with(
                    json!({"search_space": {"entry.fast": {"type": "int", "low": 2, "high": 900}}}),
                ),
                "VAL006",
                "search_space.entry.fast.high",
            ),
            (with(json!({"search_space": {}})), "VAL004", "search_space"),
        ];
        for (body, code, field) in cases {
            assert_eq!(refused(body.clone()), (code.into(), field.into()), "{body}");
        }
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let sweep =
            sweep(json!({"strategy": "s", "start_date": "2024-01-01", "end_date": "2024-03-01"}))
                .expect("valid");
        assert_eq!(sweep.spec, Spec::new(SamplerKind::Tpe, 100, 0));
        assert_eq!(
            sweep.strategy.search_space,
            tradai_hyperopt::sample::strategy().search_space
        );
    }
}
