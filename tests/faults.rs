//! Fault tests on the emulator (issue 18, item 5): the platform on AWS adapters, its calls to the emulator and
//! to MLflow going through a [`FaultProxy`], while jobs run. The emulator is taken away mid-flow and brought
//! back; MLflow is down and comes back; a runner is killed mid-job. Each test then lets the platform settle
//! (the workflows end, the job sweeper runs as its schedule would, 20 and 40 minutes later) and asserts that
//! nothing was lost (every accepted job ends COMPLETED or FAILED with a reason) and nothing completed twice
//! (at most one MLflow run per job, and no result without a COMPLETED job).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use tradai_domain::ports::JobRepository;
use tradai_domain::JobStatus;
use tradai_domain::Lifecycle;
use tradai_e2e::{clients_through, platform, request, sweep_as_scheduled, Platform};
use tradai_platform::{AwsSettings, Ports};
use tradai_test_support::faults::FaultProxy;
use tradai_test_support::{emulator, mlflow};

/// The platform behind the proxies, and direct ports to check it with.
struct Faulty {
    platform: Platform,
    aws: FaultProxy,
    mlflow: FaultProxy,
    /// The platform's ports (through the proxies).
    ports: Ports,
    /// Ports straight to the emulator and MLflow (no faults).
    direct: Ports,
    experiment: String,
}

async fn faulty() -> Faulty {
    let (config, direct_clients, _provisioned) = emulator::provisioned().await;
    let aws = FaultProxy::start(emulator::endpoint(), 7).await;
    let mlflow = FaultProxy::start(mlflow::tracking_uri(), 11).await;
    let clients = clients_through(&config, &aws).await;
    let through = AwsSettings {
        mlflow_uri: Some(mlflow.url().to_owned()),
        ..AwsSettings::default()
    };
    let ports = Ports::aws(&config, &clients, &through).expect("ports");
    let straight = AwsSettings {
        mlflow_uri: Some(mlflow::tracking_uri().to_owned()),
        ..AwsSettings::default()
    };
    let direct = Ports::aws(&config, &direct_clients, &straight).expect("ports");
    Faulty {
        platform: platform(&config, ports.clone()).await,
        ports,
        aws,
        mlflow,
        direct,
        experiment: format!("faults-{}", tradai_test_support::unique_prefix()),
    }
}

impl Faulty {
    /// A request of this test's experiment.
    fn request(&self) -> Value {
        let mut body = request("sma-crossover", "2024-02-01", "2024-03-01");
        body["experiment_name"] = self.experiment.clone().into();
        body
    }

    /// Submit with `key` as a client does: a 5xx (the platform could not answer) is retried with the same
    /// Idempotency-Key until accepted; the job id.
    async fn submit(&self, key: &str) -> String {
        for _ in 0..600 {
            let answer = self
                .platform
                .send_with(
                    "POST",
                    "/api/v1/backtests",
                    &[("Idempotency-Key", key)],
                    Some(self.request()),
                )
                .await;
            match answer.status.as_u16() {
                202 => return answer.body["job_id"].as_str().expect("id").to_owned(),
                500..=599 => tokio::time::sleep(Duration::from_millis(50)).await,
                other => panic!("{key}: {other} {}", answer.body),
            }
        }
        panic!("{key} was never accepted");
    }

    /// Let the workflows end (at most `wait`), then sweep as the schedule would, 20 and 40 minutes later.
    async fn settle(&self, ids: &[String], wait: Duration) {
        let jobs = &self.direct.jobs;
        let deadline = tokio::time::Instant::now() + wait;
        while tokio::time::Instant::now() < deadline && !all_ended(jobs, ids).await {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sweep_as_scheduled(jobs).await;
    }

    /// Nothing lost, nothing completed twice: each job ended, a COMPLETED one has its result and at most one
    /// run, a FAILED one a reason and no result. The statuses, counted.
    async fn verdict(&self, ids: &[String]) -> BTreeMap<String, usize> {
        let runs = self
            .direct
            .registry
            .experiment_by_name(&self.experiment, 1000)
            .await
            .map(|e| e.runs)
            .unwrap_or_default();
        let mut counted = BTreeMap::new();
        for id in ids {
            let job = self
                .direct
                .jobs
                .get(id)
                .await
                .expect("get")
                .expect("stored");
            let result = self
                .direct
                .results
                .get_versioned(&tradai_backtest_runner::result_key(id))
                .await
                .expect("get");
            let logged = runs
                .iter()
                .filter(|r| r.tags.get("job_id") == Some(id))
                .count();
            assert!(logged <= 1, "{id}: logged {logged} times");
            match job.status {
                JobStatus::Completed => {
                    assert!(result.is_some(), "{id}: COMPLETED without a result")
                }
                JobStatus::Failed => {
                    assert!(result.is_none(), "{id}: FAILED with a result");
                    let error = job.error.as_ref().expect("a FAILED job says why");
                    assert!(!error.error.is_empty(), "{id}: {error:?}");
                }
                other => panic!("{id} was left {other}: {job:?}"),
            }
            let outcome = match &job.error {
                Some(e) => format!("{} {}", job.status, e.error),
                None => job.status.to_string(),
            };
            *counted.entry(outcome).or_default() += 1;
        }
        counted
    }
}

async fn all_ended(jobs: &JobRepository, ids: &[String]) -> bool {
    for id in ids {
        match jobs.get(id).await {
            Ok(Some(job)) if job.status.is_terminal() => {}
            _ => return false,
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emulator_outage_mid_flow_loses_no_job_and_completes_none_twice() {
    let faulty = faulty().await;
    let keys: Vec<String> = (0..8).map(|n| format!("outage-{n}")).collect();
    let submissions = keys.iter().map(|k| faulty.submit(k));
    let outage = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        faulty.aws.set_down(true);
        tokio::time::sleep(Duration::from_secs(4)).await;
        faulty.aws.set_down(false);
    };
    let (ids, ()) = tokio::join!(futures::future::join_all(submissions), outage);
    assert!(faulty.aws.counts().refused > 0, "the outage hit calls");
    // One job per key, however many times the client had to retry.
    let again = faulty.submit(&keys[0]).await;
    assert_eq!(again, ids[0], "a retried key is the same job");
    faulty.settle(&ids, Duration::from_secs(90)).await;
    let outcomes = faulty.verdict(&ids).await;
    assert_eq!(outcomes.values().sum::<usize>(), 8, "{outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlflow_down_and_back_loses_no_job_and_logs_each_run_once() {
    let faulty = faulty().await;
    faulty.mlflow.set_down(true);
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(faulty.submit(&format!("mlflow-down-{n}")).await);
    }
    faulty.settle(&ids, Duration::from_secs(60)).await;
    faulty.mlflow.set_down(false);
    // The MLflow client's circuit breaker opened during the outage: wait until the platform's registry answers
    // again (the breaker lets a trial through after its 30 s cool-down).
    let registry = faulty.ports.registry.clone();
    let mut answered = false;
    for _ in 0..90 {
        if registry.model_names().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(answered, "MLflow answers again within 90 s");
    for n in 0..3 {
        ids.push(faulty.submit(&format!("mlflow-up-{n}")).await);
    }
    faulty.settle(&ids, Duration::from_secs(60)).await;
    let outcomes = faulty.verdict(&ids).await;
    assert_eq!(outcomes.get("completed"), Some(&6), "{outcomes:?}");
    let mut logged = Vec::new();
    for id in &ids {
        let job = faulty.direct.jobs.get(id).await.expect("get").expect("job");
        logged.push(job.mlflow_run_id.is_some());
    }
    assert_eq!(
        logged,
        [false, false, false, true, true, true],
        "runs are logged again once MLflow is back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_killed_mid_job_is_failed_by_the_sweeper_and_never_completes() {
    let faulty = faulty().await;
    // A first job syncs the month's candles and completes.
    let first = faulty.submit("before-the-kill").await;
    faulty
        .settle(std::slice::from_ref(&first), Duration::from_secs(60))
        .await;
    // A second job of the same month, handed to a runner whose calls are slow; once it holds the job, its task
    // is aborted where it stands, as SIGKILL would stop it: no code of it runs after that.
    let mut job =
        tradai_test_support::samples::job("killed-job", "trace-k", "2026-01-01T00:00:00Z");
    job.config.start_date = "2024-02-01".parse().expect("date");
    job.config.end_date = "2024-03-01".parse().expect("date");
    job.config.experiment_name = Some(faulty.experiment.clone());
    faulty.direct.jobs.create(&job).await.expect("create");
    faulty.aws.set_delay(Duration::from_millis(300));
    let slow = tradai_backtest_runner::Runner::from_ports(
        &faulty.ports,
        true,
        tradai_backtest::Settings::default(),
    );
    let killed = tokio::spawn(async move { slow.run("killed-job").await });
    loop {
        let now = faulty
            .direct
            .jobs
            .get("killed-job")
            .await
            .expect("get")
            .expect("job");
        if now.attempt_id.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed.abort();
    assert!(
        killed.await.is_err_and(|e| e.is_cancelled()),
        "killed mid-job"
    );
    faulty.aws.set_delay(Duration::ZERO);
    // The task is retried: the new runner finds the job held under a live lease and does not run it.
    let retried = tradai_backtest_runner::Runner::from_ports(
        &faulty.direct,
        true,
        tradai_backtest::Settings::default(),
    );
    let second = retried.run("killed-job").await.expect("answers");
    assert!(
        second.result_key.is_none(),
        "it did not run the job: {second:?}"
    );
    let ids = [first, "killed-job".to_owned()];
    faulty.settle(&ids, Duration::ZERO).await;
    let outcomes = faulty.verdict(&ids).await;
    assert_eq!(
        outcomes.keys().collect::<Vec<_>>(),
        ["completed", "failed RunnerLost"],
        "the killed runner's job is failed with its reason, never completed"
    );
}
