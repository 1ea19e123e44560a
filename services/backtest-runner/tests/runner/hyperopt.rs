//! The hyperopt tasks as the cloud workflow runs them (decision H5): a planner per round, a task per Map item,
//! a finaliser, each stateless over the results bucket. Run on memory and on the emulator's S3, they give
//! exactly the trials of the sweep run in one process over the same candles.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde_json::json;
use tradai_backtest::{synthetic, Market, Window};
use tradai_backtest_runner::hyperopt::SweepJob;
use tradai_backtest_runner::Runner;
use tradai_domain::entities::Timeframe;
use tradai_domain::ports::ObjectStore;
use tradai_hyperopt::{sweep, SamplerKind, Spec, TrialState};
use tradai_test_support::emulator;

use super::{memory, seed};

fn sweep_job(job_id: &str) -> SweepJob {
    let strategy = tradai_hyperopt::sample::strategy();
    SweepJob {
        job_id: job_id.to_owned(),
        strategy,
        spec: Spec {
            folds: 4,
            round_size: 6,
            ..Spec::new(SamplerKind::Tpe, 18, 3)
        },
        start_date: "2024-01-01".parse().expect("date"),
        end_date: "2024-04-01".parse().expect("date"),
        trials_per_item: 4,
    }
}

/// What the workflow does: write the job, plan and run each round's items, finalise.
async fn run_by_tasks(
    runner: &Runner,
    results: &dyn ObjectStore,
    job: &SweepJob,
) -> tradai_backtest_runner::hyperopt::Summary {
    job.store(results).await.expect("job.json");
    for round in 0.. {
        let items = runner
            .hyperopt_plan(&job.job_id, round)
            .await
            .expect("plans");
        if items == 0 {
            break;
        }
        for item in 0..items as u32 {
            runner
                .hyperopt_item(&job.job_id, round, item, 2, Arc::default())
                .await
                .expect("runs its item");
        }
    }
    runner
        .hyperopt_finalize(&job.job_id)
        .await
        .expect("summary")
}

/// The same sweep in one process over the seeded candles.
fn in_process(job: &SweepJob) -> tradai_hyperopt::Outcome {
    let candles = synthetic::walk(5, 91 * 24, Timeframe::H1);
    let markets = [Market {
        candles: &candles,
        funding: &[],
    }];
    let day = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .expect("date")
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp_millis()
    };
    let window = Window {
        start: day("2024-01-01"),
        end: day("2024-04-01"),
    };
    sweep(
        &job.strategy,
        &job.spec,
        &markets,
        window,
        2,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .expect("sweeps")
}

#[tokio::test]
async fn the_tasks_over_memory_reproduce_the_sweep_in_one_process() {
    let m = memory().await;
    let job = sweep_job("hyperopt-memory");
    let summary = run_by_tasks(&m.runner, m.results.as_ref(), &job).await;
    let outcome = in_process(&job);
    assert_eq!(summary.trials, outcome.trials);
    assert_eq!(
        summary.best.as_ref(),
        outcome.best.map(|b| &outcome.trials[b])
    );
    assert!(summary.best.is_some());
    assert_eq!(summary.states.values().sum::<usize>(), 18);
    assert!(
        summary.trials.iter().any(|t| t.state == TrialState::Pruned),
        "four folds: the median pruner stops some: {:?}",
        summary.states
    );
    let stored: serde_json::Value = serde_json::from_slice(
        &m.results
            .get("hyperopt/hyperopt-memory/summary.json")
            .await
            .expect("summary.json")
            .body,
    )
    .expect("json");
    assert_eq!(
        stored["best"]["number"],
        json!(summary.best.expect("best").number)
    );
}

#[tokio::test]
async fn a_lost_item_is_told_as_a_penalty_and_the_sweep_goes_on() {
    let m = memory().await;
    let job = sweep_job("hyperopt-lost");
    job.store(m.results.as_ref()).await.expect("job.json");
    // Round 0's second item fails (its task never writes trials): within the Map's tolerance, the sweep goes on.
    assert_eq!(
        m.runner.hyperopt_plan(&job.job_id, 0).await.expect("plans"),
        2
    );
    m.runner
        .hyperopt_item(&job.job_id, 0, 0, 1, Arc::default())
        .await
        .expect("item 0");
    assert_eq!(
        m.runner.hyperopt_plan(&job.job_id, 1).await.expect("plans"),
        2
    );
    m.runner
        .hyperopt_item(&job.job_id, 1, 0, 1, Arc::default())
        .await
        .expect("item 0");
    m.runner
        .hyperopt_item(&job.job_id, 1, 1, 1, Arc::default())
        .await
        .expect("item 1");
    let summary = m
        .runner
        .hyperopt_finalize(&job.job_id)
        .await
        .expect("summary");
    let numbers: Vec<u32> = summary.trials.iter().map(|t| t.number).collect();
    assert_eq!(
        numbers,
        vec![0, 1, 2, 3, 6, 7, 8, 9, 10, 11],
        "trials 4 and 5 were lost"
    );
}

#[tokio::test]
async fn the_tasks_run_a_sweep_over_the_emulators_s3() {
    let (config, clients, _provisioned) = emulator::provisioned().await;
    let ports = tradai_platform::Ports::aws(&config, &clients, &Default::default()).expect("ports");
    seed(ports.configs.as_ref(), ports.market.as_ref()).await;
    let runner = Runner::from_ports(&ports, false, tradai_backtest::Settings::default());
    let job = sweep_job(&format!(
        "hyperopt-{}",
        tradai_test_support::unique_prefix()
    ));
    let summary = run_by_tasks(&runner, ports.results.as_ref(), &job).await;
    assert_eq!(summary.trials, in_process(&job).trials);
    let listed = ports
        .results
        .list(&format!("hyperopt/{}/", job.job_id))
        .await
        .expect("list");
    assert!(
        listed.iter().any(|k| k.ends_with("round-0/items.json")),
        "{listed:?}"
    );
    assert!(
        listed.iter().any(|k| k.ends_with("summary.json")),
        "{listed:?}"
    );
}
