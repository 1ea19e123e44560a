//! Training mode (`TRADING_MODE=train`: the retraining workflow's RunRetraining task and the sqs-consumer's
//! tasks; decision B7). A declarative strategy's "model" is its signal windows, so training is a walk-forward
//! fit of those windows:
//! 1. the newest `period_days` of each symbol's candles are split into a fit part and a later holdout part;
//! 2. every candidate (the strategy's fast and slow windows each scaled by 0.5, 0.75, 1, 1.5 or 2) runs on the
//!    fit part, and the best mean Sharpe ratio wins (the current windows on a tie);
//! 3. the winner runs on the holdout, which nothing in step 2 saw; those are the version's metrics;
//! 4. the trained strategy goes to `models/<model>/<job_id>/strategy.json` in the results bucket, the run to
//!    the experiment `retraining-<model>`, and a new version of the model to the registry in Staging, where
//!    compare-models finds the challenger.

use std::collections::BTreeMap;

use tradai_backtest::{backtest, Market, Metrics, Portfolio, Window};
use tradai_domain::entities::{Candle, JobError, ModelVersion, Signal, StrategyConfig, Timeframe};
use tradai_domain::ports::{ModelRegistry, NewRun, NewVersion, StoredObject};
use tradai_domain::ModelStage;

use crate::result::logged_metrics;
use crate::{failure, Runner};

/// What to train (the task's `JOB_ID`, `MODEL_NAME`, `STRATEGY`, `RETRAINING_TRIGGER`, `CONFIG_VERSION_ID`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainRequest {
    pub job_id: String,
    pub model_name: String,
    /// The strategy config to start from; the model's name when absent (decision S14).
    pub strategy: Option<String>,
    pub trigger: Option<String>,
    pub config_version_id: Option<String>,
}

/// How much history a training run uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainSettings {
    /// Days of candles, ending at the newest stored candle (`TRAIN_PERIOD_DAYS`, default 30 as in §10.3).
    pub period_days: u32,
    /// The later share of them kept for the holdout, 0.1 to 0.5.
    pub holdout: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            period_days: 30,
            holdout: 0.3,
        }
    }
}

/// A trained and registered challenger.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    pub version: ModelVersion,
    pub run_id: String,
    pub artifact_key: String,
    pub strategy: StrategyConfig,
    /// Mean Sharpe ratio of the winner on the fit part.
    pub fit_sharpe: f64,
    /// The winner on the holdout.
    pub metrics: Metrics,
}

const FACTORS: [f64; 5] = [1.0, 0.5, 0.75, 1.5, 2.0];

fn scale(period: u32, factor: f64) -> u32 {
    (f64::from(period) * factor).round() as u32
}

/// `signal` with its fast window scaled by `fast` and its slow one by `slow` (RSI and Bollinger have one
/// window, scaled as the fast one).
fn scaled(signal: &Signal, fast: f64, slow: f64) -> Signal {
    match signal.clone() {
        Signal::SmaCross {
            fast: f,
            slow: s,
            direction,
        } => Signal::SmaCross {
            fast: scale(f, fast),
            slow: scale(s, slow),
            direction,
        },
        Signal::EmaCross {
            fast: f,
            slow: s,
            direction,
        } => Signal::EmaCross {
            fast: scale(f, fast),
            slow: scale(s, slow),
            direction,
        },
        Signal::Rsi {
            period,
            threshold,
            direction,
        } => Signal::Rsi {
            period: scale(period, fast),
            threshold,
            direction,
        },
        Signal::Bollinger {
            period,
            std_dev,
            direction,
        } => Signal::Bollinger {
            period: scale(period, fast),
            std_dev,
            direction,
        },
    }
}

/// The valid, distinct candidates around `strategy`, the strategy itself first.
pub fn candidates(strategy: &StrategyConfig) -> Vec<StrategyConfig> {
    let mut out: Vec<StrategyConfig> = Vec::new();
    for fast in FACTORS {
        for slow in FACTORS {
            let candidate = StrategyConfig {
                entry: scaled(&strategy.entry, fast, slow),
                exit: scaled(&strategy.exit, fast, slow),
                ..strategy.clone()
            };
            if candidate.check().is_empty() && !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

/// The windows of a signal by name (`fast`, `slow`, or `period`).
fn periods(signal: &Signal) -> Vec<(&'static str, u32)> {
    match signal {
        Signal::SmaCross { fast, slow, .. } | Signal::EmaCross { fast, slow, .. } => {
            vec![("fast", *fast), ("slow", *slow)]
        }
        Signal::Rsi { period, .. } | Signal::Bollinger { period, .. } => vec![("period", *period)],
    }
}

/// The window parameters of a signal, for the run's params (`entry_fast` = `20`).
fn windows(prefix: &str, signal: &Signal) -> Vec<(String, String)> {
    periods(signal)
        .into_iter()
        .map(|(name, value)| (format!("{prefix}_{name}"), value.to_string()))
        .collect()
}

/// One symbol's candles, split into fit and holdout.
struct History {
    candles: Vec<Candle>,
    /// The first holdout candle: the fit part is before it, and warms the holdout's indicators.
    split: usize,
}

/// Which part of each history a run trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Fit,
    Holdout,
}

impl Runner {
    /// Train `request` (see the module documentation); `Err` names what stopped it.
    pub async fn train(
        &self,
        request: &TrainRequest,
        settings: &TrainSettings,
    ) -> Result<Trained, JobError> {
        let registry = self.registry.as_deref().ok_or_else(|| {
            failure(
                "NoModelRegistry",
                "training registers a model version: configure the model registry (MLFLOW_TRACKING_URI)",
            )
        })?;
        if !(0.1..=0.5).contains(&settings.holdout) || settings.period_days == 0 {
            return Err(failure(
                "InvalidSettings",
                format!(
                    "period_days {} must be positive and holdout {} from 0.1 to 0.5",
                    settings.period_days, settings.holdout
                ),
            ));
        }
        let name = request.strategy.as_deref().unwrap_or(&request.model_name);
        let strategy = self.load_strategy(name).await?;
        let candidates = candidates(&strategy);
        let needed = minimum_candles(&candidates, strategy.timeframe);
        let histories = self.histories(&strategy, settings, needed).await?;
        let (best, fit_sharpe) = self.fit(candidates, &histories)?;
        let metrics = self.evaluate(&best, &histories, Part::Holdout)?.metrics;
        let artifact_key = format!(
            "models/{}/{}/strategy.json",
            request.model_name, request.job_id
        );
        let body = serde_json::to_vec_pretty(&best)
            .map_err(|e| failure("TrainingFailed", e.to_string()))?;
        self.results
            .put(
                &artifact_key,
                StoredObject {
                    body,
                    content_type: "application/json".into(),
                    metadata: BTreeMap::from([("job-id".to_owned(), request.job_id.clone())]),
                },
            )
            .await
            .map_err(|e| failure("ResultsUnavailable", e.to_string()))?;
        let (run_id, version) = register(
            registry,
            request,
            &best,
            &metrics,
            fit_sharpe,
            &artifact_key,
            &histories,
        )
        .await?;
        Ok(Trained {
            version,
            run_id,
            artifact_key,
            strategy: best,
            fit_sharpe,
            metrics,
        })
    }

    /// The newest `period_days` of each symbol, split.
    async fn histories(
        &self,
        strategy: &StrategyConfig,
        settings: &TrainSettings,
        needed: usize,
    ) -> Result<Vec<History>, JobError> {
        let step = strategy.timeframe.millis();
        let mut out = Vec::with_capacity(strategy.symbols.len());
        for symbol in &strategy.symbols {
            let unavailable =
                |e: tradai_domain::DomainError| failure("MarketDataUnavailable", e.to_string());
            let series = self
                .market
                .coverage(symbol, strategy.timeframe)
                .await
                .map_err(unavailable)?
                .ok_or_else(|| {
                    failure(
                        "NoMarketData",
                        format!(
                            "no {} candles of {symbol} to train on; sync them first (POST /api/v1/sync)",
                            strategy.timeframe
                        ),
                    )
                })?;
            let end = series.last + step;
            let start = (end - i64::from(settings.period_days) * 86_400_000).max(series.first);
            let candles = self
                .market
                .read(symbol, strategy.timeframe, start, end)
                .await
                .map_err(unavailable)?;
            let split = (((candles.len() as f64) * (1.0 - settings.holdout)).round() as usize)
                .min(candles.len());
            let (fit, holdout) = candles.split_at(split);
            if fit.len() < needed || holdout.len() < needed {
                return Err(failure(
                    "NotEnoughMarketData",
                    format!(
                        "{symbol}: {} fit and {} holdout candles, at least {needed} each are needed; \
                         sync more history or raise TRAIN_PERIOD_DAYS",
                        fit.len(),
                        holdout.len()
                    ),
                ));
            }
            out.push(History { candles, split });
        }
        Ok(out)
    }

    /// The candidate with the best mean Sharpe ratio on the fit parts (the first on a tie), and that ratio.
    fn fit(
        &self,
        candidates: Vec<StrategyConfig>,
        histories: &[History],
    ) -> Result<(StrategyConfig, f64), JobError> {
        let mut best: Option<(StrategyConfig, f64)> = None;
        for candidate in candidates {
            let sharpe = self
                .evaluate(&candidate, histories, Part::Fit)?
                .metrics
                .sharpe_ratio;
            if best.as_ref().is_none_or(|(_, s)| sharpe > *s) {
                best = Some((candidate, sharpe));
            }
        }
        best.ok_or_else(|| failure("TrainingFailed", "the strategy has no valid candidate"))
    }

    /// `strategy` over `part` of every history, as one portfolio: the holdout is warmed by the fit part.
    fn evaluate(
        &self,
        strategy: &StrategyConfig,
        histories: &[History],
        part: Part,
    ) -> Result<Portfolio, JobError> {
        let markets: Vec<Market> = histories
            .iter()
            .map(|h| Market {
                candles: match part {
                    Part::Fit => &h.candles[..h.split],
                    Part::Holdout => &h.candles,
                },
                funding: &[],
            })
            .collect();
        let start = |h: &History| h.candles.get(h.split).map_or(i64::MAX, |c| c.open_time);
        let window = match part {
            Part::Fit => Window::ALL,
            Part::Holdout => Window {
                start: histories.iter().map(start).min().unwrap_or(i64::MAX),
                end: i64::MAX,
            },
        };
        backtest(strategy, &markets, window, &self.settings)
            .map_err(|e| failure("TrainingFailed", e.to_string()))
    }
}

/// Candles each part needs: twice the longest window of any candidate, and at least a day's worth.
fn minimum_candles(candidates: &[StrategyConfig], timeframe: Timeframe) -> usize {
    let longest = candidates
        .iter()
        .flat_map(|c| periods(&c.entry).into_iter().chain(periods(&c.exit)))
        .map(|(_, period)| period as usize)
        .max()
        .unwrap_or(2);
    let day = (86_400_000 / timeframe.millis().max(1)) as usize;
    (2 * longest).max(day.max(2))
}

/// Log the run and register the version in Staging.
async fn register(
    registry: &dyn ModelRegistry,
    request: &TrainRequest,
    trained: &StrategyConfig,
    metrics: &Metrics,
    fit_sharpe: f64,
    artifact_key: &str,
    histories: &[History],
) -> Result<(String, ModelVersion), JobError> {
    let unavailable = |e: tradai_domain::DomainError| failure("RegistryUnavailable", e.to_string());
    let mut logged = logged_metrics(metrics);
    logged.insert("fit_sharpe_ratio".into(), fit_sharpe);
    let mut params: BTreeMap<String, String> = windows("entry", &trained.entry)
        .into_iter()
        .chain(windows("exit", &trained.exit))
        .collect();
    params.insert("strategy".into(), trained.name.clone());
    params.insert("timeframe".into(), trained.timeframe.to_string());
    let span = |f: fn(&History) -> Option<&Candle>| {
        histories
            .first()
            .and_then(f)
            .map(|c| tradai_domain::entities::Timestamp::from_millis(c.open_time).iso_seconds())
            .unwrap_or_default()
    };
    params.insert("fit_start".into(), span(|h| h.candles.first()));
    params.insert("holdout_start".into(), span(|h| h.candles.get(h.split)));
    params.insert("holdout_end".into(), span(|h| h.candles.last()));
    let mut tags = BTreeMap::from([
        ("job_id".to_owned(), request.job_id.clone()),
        ("artifact_key".to_owned(), artifact_key.to_owned()),
    ]);
    for (key, value) in [
        ("trigger", &request.trigger),
        ("config_version_id", &request.config_version_id),
    ] {
        if let Some(value) = value {
            tags.insert(key.to_owned(), value.clone());
        }
    }
    let run = registry
        .log_run(NewRun {
            experiment_name: format!("retraining-{}", request.model_name),
            metrics: logged,
            params,
            tags: tags.clone(),
            started_at: None,
        })
        .await
        .map_err(unavailable)?;
    let version = registry
        .register(NewVersion {
            model_name: request.model_name.clone(),
            source: format!("runs:/{}/model", run.run_id),
            run_id: Some(run.run_id.clone()),
            tags,
        })
        .await
        .map_err(unavailable)?;
    let staged = registry
        .set_stage(&request.model_name, &version.version, ModelStage::Staging)
        .await
        .map_err(unavailable)?;
    Ok((run.run_id, staged))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StrategyConfig {
        let document: serde_json::Value = serde_json::from_str(
            r#"{"name": "s", "timeframe": "1h", "symbols": ["BTC/USDT:USDT"], "stake_amount": 1000, "stoploss": -0.05,
                "entry": {"rule": "sma_cross", "fast": 20, "slow": 50, "direction": "above"},
                "exit": {"rule": "sma_cross", "fast": 20, "slow": 50, "direction": "below"}}"#,
        )
        .expect("json");
        StrategyConfig::parse(&document).expect("valid")
    }

    #[test]
    fn candidates_start_with_the_strategy_and_stay_valid() {
        let all = candidates(&sample());
        assert_eq!(all[0], sample());
        // 25 scalings; those with fast >= slow (fast 2 × 20 = 40 vs slow 0.5 × 50 = 25, …) are dropped.
        assert!(all.len() > 15 && all.len() < 25, "{}", all.len());
        assert!(all.iter().all(|c| c.check().is_empty()));
        assert!(all.contains(&StrategyConfig {
            entry: scaled(&sample().entry, 0.5, 2.0),
            exit: scaled(&sample().exit, 0.5, 2.0),
            ..sample()
        }));
        let Signal::SmaCross { fast, slow, .. } = scaled(&sample().entry, 0.5, 2.0) else {
            panic!("sma")
        };
        assert_eq!((fast, slow), (10, 100));
    }

    #[test]
    fn each_part_holds_twice_the_longest_window() {
        // The longest candidate window is 2 × 50 = 100 candles.
        assert_eq!(minimum_candles(&candidates(&sample()), Timeframe::H1), 200);
    }
}
