//! Training mode on in-memory adapters: the fit, the holdout, the artifact, the run and the Staging version,
//! checked against the engine run by hand on the same candles; and every reason a training run stops.

use tradai_backtest_runner::train::{candidates, TrainRequest, TrainSettings};
use tradai_domain::entities::{StrategyConfig, Timeframe};
use tradai_domain::ports::{ModelRegistry, ObjectStore};
use tradai_domain::ModelStage;

use crate::memory;

fn request(model: &str) -> TrainRequest {
    TrainRequest {
        job_id: "retrain-1".into(),
        model_name: model.into(),
        strategy: None,
        trigger: Some("manual".into()),
        config_version_id: None,
    }
}

#[tokio::test]
async fn training_registers_a_staging_challenger_measured_on_the_holdout() {
    let m = memory().await;
    let trained = m
        .runner
        .train(&request("sma-crossover"), &TrainSettings::default())
        .await
        .expect("trains");

    // The newest 30 days (the seed holds 91): 720 hourly candles, the last 30 % (216) held out.
    let symbol = "BTC/USDT:USDT".parse().expect("symbol");
    let coverage = m
        .runner
        .market
        .coverage(&symbol, Timeframe::H1)
        .await
        .expect("coverage")
        .expect("series");
    let end = coverage.last + 3_600_000;
    let all = m
        .runner
        .market
        .read(&symbol, Timeframe::H1, end - 30 * 86_400_000, end)
        .await
        .expect("read");
    assert_eq!(all.len(), 720);
    let (fit, holdout) = all.split_at(504);
    let by_hand = |strategy: &StrategyConfig, candles| {
        tradai_backtest::run(strategy, candles, &m.runner.settings)
            .expect("runs")
            .metrics
    };
    // The holdout is traded with the fit part before it as its warm-up (decision F3).
    let market = tradai_backtest::Market {
        candles: &all,
        funding: &[],
    };
    let window = tradai_backtest::Window {
        start: holdout[0].open_time,
        end: i64::MAX,
    };
    let warm = tradai_backtest::backtest(&trained.strategy, &[market], window, &m.runner.settings)
        .expect("runs")
        .metrics;
    assert_eq!(trained.metrics.candles, 216);
    assert_eq!(trained.metrics.profit_total, warm.profit_total);
    assert_eq!(trained.metrics.sharpe_ratio, warm.sharpe_ratio);
    // The winner is the best of the original's candidates on the fit part, the original included.
    let original: StrategyConfig = serde_json::from_str(crate::SMA_CROSSOVER).expect("sample");
    let scores: Vec<f64> = candidates(&original)
        .iter()
        .map(|c| by_hand(c, fit).sharpe_ratio)
        .collect();
    let best = scores.iter().copied().fold(f64::MIN, f64::max);
    assert_eq!(trained.fit_sharpe, best);
    assert_eq!(by_hand(&trained.strategy, fit).sharpe_ratio, best);
    assert!(
        best >= scores[0],
        "never worse than the original on the fit part"
    );

    let artifact = m
        .results
        .get(&trained.artifact_key)
        .await
        .expect("artifact");
    assert_eq!(
        trained.artifact_key,
        "models/sma-crossover/retrain-1/strategy.json"
    );
    let stored: StrategyConfig = serde_json::from_slice(&artifact.body).expect("strategy json");
    assert_eq!(stored, trained.strategy);

    let versions = m
        .registry
        .versions("sma-crossover")
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].stage, ModelStage::Staging);
    assert_eq!(versions[0].version, trained.version.version);
    assert_eq!(
        versions[0].metrics["profit_total"],
        trained.metrics.profit_total
    );
    let experiment = m.registry.experiment("1", 5).await.expect("experiment");
    assert_eq!(experiment.name, "retraining-sma-crossover");
    let run = &experiment.runs[0];
    assert_eq!(run.run_id, trained.run_id);
    assert_eq!(run.tags["trigger"], "manual");
    assert_eq!(run.tags["artifact_key"], trained.artifact_key);
    assert!(
        run.params.contains_key("entry_fast") && run.params.contains_key("exit_slow"),
        "{:?}",
        run.params
    );
}

#[tokio::test]
async fn training_stops_with_a_named_reason() {
    let m = memory().await;
    let settings = TrainSettings::default();
    let reason = |e: tradai_domain::entities::JobError| (e.error, e.cause);

    let (error, cause) = reason(
        m.runner
            .train(&request("no-such-model"), &settings)
            .await
            .expect_err("no strategy"),
    );
    assert_eq!(error, "StrategyNotFound", "{cause}");

    let too_short = TrainSettings {
        period_days: 10,
        ..settings
    };
    let (error, cause) = reason(
        m.runner
            .train(&request("sma-crossover"), &too_short)
            .await
            .expect_err("short"),
    );
    assert_eq!(error, "NotEnoughMarketData");
    assert!(
        cause.contains("at least 200 each") && cause.contains("TRAIN_PERIOD_DAYS"),
        "{cause}"
    );

    let bad = TrainSettings {
        holdout: 0.9,
        ..settings
    };
    let (error, _) = reason(
        m.runner
            .train(&request("sma-crossover"), &bad)
            .await
            .expect_err("holdout"),
    );
    assert_eq!(error, "InvalidSettings");

    let mut eth = request("eth-cross");
    eth.strategy = Some("eth-cross".into());
    let strategy = crate::SMA_CROSSOVER
        .replace("BTC/USDT:USDT", "ETH/USDT:USDT")
        .replace("sma-crossover", "eth-cross");
    m.runner
        .configs
        .put(
            "strategies/eth-cross.json",
            tradai_domain::ports::StoredObject {
                body: strategy.into_bytes(),
                content_type: "application/json".into(),
                metadata: Default::default(),
            },
        )
        .await
        .expect("put");
    let (error, cause) = reason(
        m.runner
            .train(&eth, &settings)
            .await
            .expect_err("no candles"),
    );
    assert_eq!(error, "NoMarketData");
    assert!(cause.contains("ETH/USDT:USDT"), "{cause}");

    let mut unregistered = m.runner.clone();
    unregistered.registry = None;
    let (error, cause) = reason(
        unregistered
            .train(&request("sma-crossover"), &settings)
            .await
            .expect_err("registry"),
    );
    assert_eq!(error, "NoModelRegistry");
    assert!(cause.contains("MLFLOW_TRACKING_URI"), "{cause}");
    assert!(
        m.registry.versions("sma-crossover").await.is_err(),
        "nothing was registered"
    );
}

/// The twin's case: training on the recorded month a backtest of `[2024-01-01, 2024-01-31)` synced.
#[tokio::test]
async fn training_on_the_recorded_month_registers_a_version() {
    use tradai_domain::ports::{CandleSource, MarketStore};
    let m = memory().await;
    let source =
        tradai_market::RecordedSource::new(tradai_market::Recording::bundled().expect("recording"));
    let symbol = "BTC/USDT:USDT".parse().expect("symbol");
    let (start, end) = (1_704_067_200_000, 1_704_067_200_000 + 30 * 86_400_000);
    let candles = source
        .candles(&symbol, Timeframe::H1, start, end)
        .await
        .expect("recorded candles");
    let market = std::sync::Arc::new(tradai_market::ParquetStore::new(std::sync::Arc::new(
        tradai_memory::MemoryObjectStore::new(),
    )));
    market
        .write(&symbol, Timeframe::H1, &candles)
        .await
        .expect("write");
    let runner = tradai_backtest_runner::Runner {
        market,
        ..m.runner.clone()
    };
    let trained = runner
        .train(&request("sma-crossover"), &TrainSettings::default())
        .await
        .expect("trains");
    assert_eq!(trained.metrics.candles, 216);
}
