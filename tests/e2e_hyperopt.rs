//! The hyperopt workflow end to end as the local executor runs it (decision H6): the config's definition,
//! interpreted in-process, its distributed Map reading each round's items from the results bucket and writing
//! the children's results there, every task the runner's, on in-memory adapters. The sweep it leaves is the
//! sweep one process runs over the same candles.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde_json::{json, Value};
use tradai_backtest::{synthetic, Market, Window};
use tradai_domain::entities::Timeframe;
use tradai_hyperopt::store::summary_key;
use tradai_hyperopt::{SamplerKind, Spec};
use tradai_hyperopt::{Summary, SweepJob};
use tradai_local_executor::{LocalIntegrations, LocalWorkflow};
use tradai_market::{RecordedSource, Recording};
use tradai_platform::MemoryPorts;

const HOUR: i64 = 3_600_000;

#[tokio::test]
async fn a_sweep_runs_through_the_hyperopt_workflow_and_matches_one_process() {
    let config = tradai_test_support::config_with_prefix("tradai");
    let ports = MemoryPorts::new(&config).expect("ports").ports();
    let candles = synthetic::walk(5, 91 * 24, Timeframe::H1);
    let symbol = "BTC/USDT:USDT".parse().expect("symbol");
    ports
        .market
        .write(&symbol, Timeframe::H1, &candles)
        .await
        .expect("candles");
    let job = SweepJob {
        job_id: "sweep-1".into(),
        strategy: tradai_hyperopt::sample::strategy(),
        spec: Spec {
            folds: 3,
            round_size: 6,
            ..Spec::new(SamplerKind::Tpe, 18, 9)
        },
        start_date: "2024-01-01".parse().expect("date"),
        end_date: "2024-04-01".parse().expect("date"),
        trials_per_item: 4,
    };
    job.store(ports.results.as_ref()).await.expect("job.json");

    let local = ports.clone().with_source(Arc::new(RecordedSource::new(
        Recording::bundled().expect("pages"),
    )));
    let mut workflow =
        LocalWorkflow::hyperopt(&config, LocalIntegrations::from_ports(&config, &local))
            .expect("workflow");
    workflow.delay_scale = 0.0;
    let input = json!({
        "job_id": job.job_id, "trace_id": "t-1", "task_definition": workflow.task_definition,
        "rounds": 3, "padding_days": 0,
        "config": {"strategy": "sma-crossover", "timeframe": "1h", "symbols": ["BTC/USDT:USDT"],
                   "start_date": "2024-01-01", "end_date": "2024-04-01"},
    });
    let execution = workflow.execute("sweep-1", input).await;
    assert!(execution.succeeded, "{:?}", execution.error);
    let rounds = execution
        .visited
        .iter()
        .filter(|s| *s == "RunTrials")
        .count();
    assert_eq!(rounds, 3, "{:?}", execution.visited);

    // Each round's Map wrote its children's results: 2 items (6 points, 4 per item), both succeeded.
    for round in 0..3 {
        let keys = ports
            .results
            .list(&format!("hyperopt/sweep-1/round-{round}/map/"))
            .await
            .expect("list");
        let manifest = keys
            .iter()
            .find(|k| k.ends_with("manifest.json"))
            .expect("a manifest");
        let manifest: Value =
            serde_json::from_slice(&ports.results.get(manifest).await.expect("manifest").body)
                .expect("json");
        let succeeded = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
            .as_str()
            .expect("a results file");
        let records: Value =
            serde_json::from_slice(&ports.results.get(succeeded).await.expect("records").body)
                .expect("json");
        assert_eq!(records.as_array().map(Vec::len), Some(2), "round {round}");
    }

    let summary: Summary = serde_json::from_slice(
        &ports
            .results
            .get(&summary_key(&job.job_id))
            .await
            .expect("summary.json")
            .body,
    )
    .expect("summary");
    // The candles the tasks read: the store's, with the space's warm-up before the range.
    let start = candles[0].open_time;
    let window = Window {
        start,
        end: start + 91 * 24 * HOUR,
    };
    let startup = i64::from(job.strategy.search_space.startup_candles(&job.strategy));
    let stored = ports
        .market
        .read(&symbol, Timeframe::H1, start - startup * HOUR, window.end)
        .await
        .expect("read");
    // EnsureData synced the funding events from the recorded pages (a futures symbol): they are charged.
    let funding = ports
        .market
        .read_funding(&symbol, window.start, window.end)
        .await
        .expect("funding");
    assert!(!funding.is_empty(), "the recorded funding events");
    let markets = [Market {
        candles: &stored,
        funding: &funding,
    }];
    let one_process = tradai_hyperopt::sweep(
        &job.strategy,
        &job.spec,
        &markets,
        window,
        2,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .expect("sweeps");
    assert_eq!(summary.trials, one_process.trials);
    assert_eq!(
        summary.best.map(|b| b.number),
        one_process.best.map(|b| one_process.trials[b].number)
    );
}
