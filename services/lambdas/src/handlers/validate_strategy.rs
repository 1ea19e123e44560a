//! validate-strategy (§10.2 #14, §10.3): a fast pre-check of a backtest's payload. Extra fields are allowed;
//! every broken rule is listed (`valid: false` is an answer, not an error). The strategy must exist in the
//! configs bucket and be valid; the model version is resolved in the registry (Production, else the newest),
//! and an unresolved one is an error only with `REQUIRE_MLFLOW_MODEL=true`.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::{StrategyConfig, Symbol, Timeframe, Timestamp};
use tradai_domain::ports::{ModelRegistry, ObjectStore};
use tradai_domain::{DomainError, ModelStage};

use crate::input::{blank, Text};
use crate::registry::Handler;
use crate::HandlerError;

/// Quote currencies a backtest may use (the reference's list, plus USDC).
pub const QUOTES: [&str; 6] = ["USDT", "BUSD", "USD", "BTC", "ETH", "USDC"];

/// The reference's EnsureData padding (`padding_days` default 30, as its ArcticBacktestExecutor): a strategy
/// whose warm-up needs more gets more. Training reads the newest 30 days the backtests synced.
pub const PADDING_DAYS: i64 = 30;

/// Settings (`REQUIRE_MLFLOW_MODEL`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    pub require_model: bool,
}

/// The payload checked (other fields are allowed and ignored). Each field's rules are checked together and
/// every broken one is listed in the answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Input {
    pub strategy_name: Text,
    #[serde(default, deserialize_with = "blank")]
    pub timeframe: Option<String>,
    #[serde(default)]
    pub symbols: Option<Vec<String>>,
    #[serde(default, deserialize_with = "blank")]
    pub start_date: Option<String>,
    #[serde(default, deserialize_with = "blank")]
    pub end_date: Option<String>,
    #[serde(default)]
    pub freqai_enabled: Option<bool>,
    #[serde(default, deserialize_with = "blank")]
    pub freqai_model_name: Option<String>,
}

/// The verdict: `valid: false` with every broken rule is an answer, not an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub valid: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The model version to run ("" when none resolved).
    pub resolved_version: String,
    /// Candles the strategy loads before the range to warm its indicators (0 when it was not read).
    pub startup_candles: u32,
    /// Whole days EnsureData syncs before the range: the warm-up's, and at least the reference's 30 (decision F3).
    pub padding_days: i64,
}

/// validate-strategy over the configs bucket and the model registry.
#[derive(Clone)]
pub struct ValidateStrategy {
    pub configs: Arc<dyn ObjectStore>,
    pub registry: Arc<dyn ModelRegistry>,
    pub settings: Settings,
}

crate::handler_debug!(ValidateStrategy, settings);

impl ValidateStrategy {
    /// Over the platform's configs bucket and model registry.
    pub fn new(ports: &tradai_platform::Ports, settings: Settings) -> Self {
        ValidateStrategy {
            configs: ports.configs.clone(),
            registry: ports.registry.clone(),
            settings,
        }
    }
}

fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y%m%d"))
        .ok()
}

fn check_fields(input: &Input, errors: &mut Vec<String>) {
    if let Some(t) = &input.timeframe {
        if t.parse::<Timeframe>().is_err() {
            errors.push(format!(
                "timeframe: '{t}' is not one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"
            ));
        }
    }
    for text in input.symbols.iter().flatten() {
        let quote = text.split(['/', ':']).nth(1).unwrap_or_default();
        if text.parse::<Symbol>().is_err() || !QUOTES.contains(&quote) {
            errors.push(format!(
                "symbols: '{text}' is not BASE/QUOTE[:SETTLE] with a quote in {}",
                QUOTES.join(", ")
            ));
        }
    }
    let dates: Vec<Option<NaiveDate>> = [
        ("start_date", &input.start_date),
        ("end_date", &input.end_date),
    ]
    .iter()
    .map(|(field, value)| {
        let value = value.as_deref()?;
        let parsed = date(value);
        if parsed.is_none() {
            errors.push(format!("{field}: '{value}' is not YYYY-MM-DD or YYYYMMDD"));
        }
        parsed
    })
    .collect();
    if let [Some(start), Some(end)] = dates[..] {
        if start >= end {
            errors.push(format!("start_date: {start} is not before end_date {end}"));
        }
    }
    if input.freqai_enabled == Some(true) && input.freqai_model_name.is_none() {
        errors.push("freqai_model_name: required when freqai_enabled is true".into());
    }
}

/// The strategy, when it exists and is valid.
async fn check_strategy(
    configs: &dyn ObjectStore,
    name: &str,
    errors: &mut Vec<String>,
) -> Result<Option<StrategyConfig>, HandlerError> {
    match configs.get(&format!("strategies/{name}.json")).await {
        Ok(object) => match serde_json::from_slice::<Value>(&object.body) {
            Ok(document) => match StrategyConfig::parse(&document) {
                Ok(strategy) => return Ok(Some(strategy)),
                Err(issues) => errors.extend(
                    issues
                        .iter()
                        .map(|i| format!("strategy.{}: {}", i.field, i.message)),
                ),
            },
            Err(e) => errors.push(format!(
                "strategy_name: strategies/{name}.json is not JSON ({e})"
            )),
        },
        Err(DomainError::NotFound { .. }) => {
            errors.push(format!("strategy_name: no strategy config '{name}'"))
        }
        Err(other) => return Err(other.into()),
    }
    Ok(None)
}

/// The registered version to run: Production, else the newest; `None` when the model is not registered or
/// no registry is configured.
async fn resolve(registry: &dyn ModelRegistry, name: &str) -> Result<Option<String>, HandlerError> {
    match registry.versions(name).await {
        Ok(versions) => Ok(versions
            .iter()
            .find(|v| v.stage == ModelStage::Production)
            .or(versions.first())
            .map(|v| v.version.clone())),
        Err(DomainError::NotFound { .. } | DomainError::Configuration(_)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

impl Handler for ValidateStrategy {
    const FUNCTION: Function = Function::ValidateStrategy;
    type Input = Input;
    type Output = Output;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(ports, settings))
    }

    async fn handle(&self, input: Input, _now: Timestamp) -> Result<Output, HandlerError> {
        let name = input.strategy_name.as_str();
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        check_fields(&input, &mut errors);
        let strategy = check_strategy(self.configs.as_ref(), name, &mut errors).await?;
        // A registry that cannot be reached fails the validation only where a model is required: otherwise
        // the backtest runs without a resolved version (and its run is logged when the registry is back).
        let resolved = match resolve(self.registry.as_ref(), name).await {
            Err(e) if !self.settings.require_model => {
                tracing::warn!(error = %e, "the model registry could not be reached; no version resolved");
                warnings
                    .push("the model registry is unavailable; no model version resolved".into());
                Some(String::new())
            }
            other => other?,
        };
        if resolved.is_none() {
            let message =
                format!("strategy_name: no registered model '{name}' to resolve a version from");
            if self.settings.require_model {
                errors.push(message);
            } else {
                warnings.push(message);
            }
        }
        // The backtest runs the job's timeframe when it names one, else the strategy's.
        let timeframe = input
            .timeframe
            .as_deref()
            .and_then(|t| t.parse::<Timeframe>().ok());
        let (startup_candles, padding_days) = strategy.map_or((0, 0), |s| {
            let frame = timeframe.unwrap_or(s.timeframe);
            (s.startup_candles(), s.padding_days(frame).max(PADDING_DAYS))
        });
        Ok(Output {
            valid: errors.is_empty(),
            errors,
            warnings,
            resolved_version: resolved.unwrap_or_default(),
            startup_candles,
            padding_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradai_domain::ports::StoredObject;
    use tradai_memory::MemoryObjectStore;

    use serde_json::json;
    use tradai_domain::ports::NoRegistry;

    use super::*;

    async fn handle(handler: &ValidateStrategy, input: &Value) -> Result<Value, HandlerError> {
        crate::registry::data(handler, input.clone()).await
    }

    const SAMPLE: &str = r#"{"name":"sma","timeframe":"1h","symbols":["BTC/USDT:USDT"],"stake_amount":1000,"stoploss":-0.05,
        "entry":{"rule":"sma_cross","fast":20,"slow":50,"direction":"above"},"exit":{"rule":"sma_cross","fast":20,"slow":50,"direction":"below"}}"#;

    async fn configs() -> Arc<MemoryObjectStore> {
        let store = Arc::new(MemoryObjectStore::new());
        let put = |body: &str| StoredObject {
            body: body.as_bytes().to_vec(),
            content_type: "application/json".into(),
            metadata: BTreeMap::new(),
        };
        store
            .put("strategies/sma.json", put(SAMPLE))
            .await
            .expect("put");
        store
            .put(
                "strategies/broken.json",
                put(&SAMPLE.replace("\"fast\":20", "\"fast\":80")),
            )
            .await
            .expect("put");
        store
    }

    #[tokio::test]
    async fn a_good_payload_is_valid_and_resolves_the_production_version() {
        let configs = configs().await;
        let registry =
            crate::testing::registry_with(&["sma"], &[ModelStage::Production, ModelStage::None])
                .await;
        let deps = ValidateStrategy {
            configs,
            registry,
            settings: Settings {
                require_model: true,
            },
        };
        let input = json!({"strategy_name": "sma", "timeframe": "1h", "symbols": ["BTC/USDT:USDT"], "start_date": "20240101", "end_date": "2024-03-01", "job_id": "extra fields are fine"});
        let answer = handle(&deps, &input).await.expect("answer");
        assert_eq!(
            answer,
            json!({"valid": true, "errors": [], "warnings": [], "resolved_version": "1",
                   "startup_candles": 50, "padding_days": 30})
        );
        let daily = json!({"strategy_name": "sma", "timeframe": "1d", "start_date": "2024-01-01", "end_date": "2024-03-01"});
        let answer = handle(&deps, &daily).await.expect("answer");
        assert_eq!(
            (&answer["startup_candles"], &answer["padding_days"]),
            (&json!(50), &json!(50)),
            "the job's timeframe: 50 daily candles are 50 days, more than the 30 the reference pads"
        );
    }

    #[tokio::test]
    async fn an_unreachable_registry_fails_only_a_validation_that_requires_a_model() {
        // MLflow on a port nothing listens on.
        let registry = Arc::new(
            tradai_mlflow::MlflowRegistry::new("http://127.0.0.1:9", None).expect("client"),
        );
        let input = json!({"strategy_name": "sma", "timeframe": "1h", "symbols": ["BTC/USDT:USDT"], "start_date": "2024-01-01", "end_date": "2024-03-01"});
        let optional = ValidateStrategy {
            configs: configs().await,
            registry: registry.clone(),
            settings: Settings::default(),
        };
        let answer = handle(&optional, &input).await.expect("answer");
        assert_eq!(
            (&answer["valid"], &answer["warnings"]),
            (
                &json!(true),
                &json!(["the model registry is unavailable; no model version resolved"])
            )
        );
        let required = ValidateStrategy {
            settings: Settings {
                require_model: true,
            },
            ..optional
        };
        let refused = handle(&required, &input)
            .await
            .expect_err("a dependency error");
        assert_eq!(
            refused.name(),
            "TransientError",
            "retried by the workflow: {refused}"
        );
    }

    #[tokio::test]
    async fn every_broken_rule_is_listed() {
        let configs = configs().await;
        let deps = ValidateStrategy {
            configs,
            registry: Arc::new(NoRegistry),
            settings: Settings::default(),
        };
        let input = json!({"strategy_name": "broken", "timeframe": "2h", "symbols": ["BTC/EUR", "ETHUSDT"], "start_date": "2024-03-01", "end_date": "2024-01-01", "freqai_enabled": true});
        let answer = handle(&deps, &input).await.expect("answer");
        assert_eq!(answer["valid"], false);
        let errors: Vec<&str> = answer["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e.as_str().expect("text"))
            .collect();
        let fields: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').next().expect("field"))
            .collect();
        assert_eq!(
            fields,
            [
                "timeframe",
                "symbols",
                "symbols",
                "start_date",
                "freqai_model_name",
                "strategy.entry.fast",
                "strategy.exit.fast"
            ],
            "{errors:?}"
        );
        assert_eq!(
            answer["warnings"].as_array().map(Vec::len),
            Some(1),
            "no registry: a warning, not an error"
        );
        let missing = handle(&deps, &json!({"strategy_name": "nope"}))
            .await
            .expect("answer");
        assert_eq!(
            missing["errors"],
            json!(["strategy_name: no strategy config 'nope'"])
        );
        assert!(matches!(
            handle(&deps, &json!({})).await,
            Err(HandlerError::Validation { .. })
        ));
    }
}
