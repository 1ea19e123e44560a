//! The platform the end-to-end tests, the fault tests and the soak benchmark drive: the backend with the local
//! executor over any ports (as `tradai local up` builds it), the sample strategy stored, candles synced from the
//! recorded pages, and an administrator's token.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tradai_backend::AppState;
use tradai_domain::ports::{JobRepository, ObjectStore};
use tradai_market::{RecordedSource, Recording};
use tradai_platform::Ports;
use tradai_service_kit::testing::{access_claims, call, Answer, JwksServer, Key};

/// The backend over its ports.
pub struct Platform {
    pub app: axum::Router,
    pub jobs: JobRepository,
    pub token: String,
    _jwks: JwksServer,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform").finish_non_exhaustive()
    }
}

/// The backend with the local executor over `ports` (candles synced from the recorded pages), as `tradai local
/// up` builds it, with the sample strategy stored.
pub async fn platform(config: &tradai_config::Config, ports: Ports) -> Platform {
    let ports = ports.with_source(Arc::new(RecordedSource::new(
        Recording::bundled().expect("pages"),
    )));
    seed_strategy(ports.configs.as_ref()).await;
    let key = Key::new("e2e");
    let jwks = JwksServer::start(vec![key.jwk()]).await;
    let executor =
        Arc::new(tradai_local_executor::LocalExecutor::new(config, &ports).expect("executor"));
    let state = AppState::new(
        config,
        &ports,
        executor,
        "http://127.0.0.1:9",
        Arc::new(jwks.verifier()),
    );
    Platform {
        jobs: state.jobs.clone(),
        app: tradai_backend::router(state, &Default::default()),
        token: key.sign(&access_claims(&jwks.issuer())),
        _jwks: jwks,
    }
}

impl Platform {
    /// Call the backend as the administrator.
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.send_with(method, path, &[], body).await
    }

    /// Call the backend as the administrator with extra headers.
    pub async fn send_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        call(&self.app, method, path, Some(&self.token), headers, body).await
    }

    /// Submit and follow the job to a final status (at most 30 s).
    pub async fn backtest(&self, body: Value) -> Value {
        let submitted = self.send("POST", "/api/v1/backtests", Some(body)).await;
        assert_eq!(submitted.status, 202, "{}", submitted.body);
        let id = submitted.body["job_id"]
            .as_str()
            .expect("job id")
            .to_owned();
        for _ in 0..300 {
            let job = self
                .send("GET", &format!("/api/v1/backtests/{id}"), None)
                .await
                .body;
            if matches!(job["status"].as_str(), Some("COMPLETED" | "FAILED")) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("job {id} did not finish");
    }
}

/// A backtest request of the sample data's symbol, hourly.
pub fn request(strategy: &str, start: &str, end: &str) -> Value {
    json!({"strategy": strategy, "start_date": start, "end_date": end, "symbols": ["BTC/USDT:USDT"], "timeframe": "1h"})
}

/// Store the first sample strategy (`sma-crossover`) in `configs`.
pub async fn seed_strategy(configs: &dyn ObjectStore) {
    let strategy = tradai_strategy::SAMPLES[0].as_bytes().to_vec();
    let object = tradai_domain::ports::StoredObject {
        body: strategy,
        content_type: "application/json".into(),
        metadata: Default::default(),
    };
    configs
        .put("strategies/sma-crossover.json", object)
        .await
        .expect("strategy");
}

/// Run the job sweeper over `jobs` as its schedule would, 20 and then 40 minutes from now; the jobs it acted on.
/// Nothing runs a job it starts again (no workflow runs here): a later sweep fails such a job as `Stuck`.
pub async fn sweep_as_scheduled(jobs: &JobRepository) -> usize {
    use tradai_lambdas::handlers::job_sweeper::{JobSweeper, Settings, Sweep};
    use tradai_lambdas::registry::Handler;
    let sweeper = JobSweeper {
        launcher: tradai_lambdas::handlers::launch::Launcher {
            jobs: jobs.clone(),
            workflows: Arc::new(tradai_memory::MemoryWorkflows::new("backtest")),
            task_definition: "tradai-strategy-generic-dev".into(),
            max_concurrent: 10,
        },
        metrics: None,
        settings: Settings {
            pending_minutes: 15,
            claim_minutes: 60,
            dry_run: false,
        },
    };
    let mut swept = 0;
    for minutes in [20, 40] {
        let later = tradai_domain::entities::Timestamp::now().plus_seconds(minutes * 60);
        let sweep = sweeper.handle(Sweep::default(), later).await;
        swept += sweep.expect("the sweep runs").jobs.len();
    }
    swept
}

/// Clients of the emulator whose calls go through `proxy` (a [`tradai_test_support::faults::FaultProxy`]).
pub async fn clients_through(
    config: &tradai_config::Config,
    proxy: &tradai_test_support::faults::FaultProxy,
) -> tradai_aws::Clients {
    let endpoint = tradai_aws::Endpoint::Emulator {
        region: config.settings().aws.region.clone(),
        url: proxy.url().to_owned(),
    };
    tradai_aws::Clients::connect(&endpoint).await
}
