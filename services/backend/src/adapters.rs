//! Building the backend's state on in-memory adapters (the embedded default) or AWS ones (an emulator or the
//! cloud), with either executor. Names come from the config; nothing here formats a resource name itself.

use std::sync::Arc;

use tradai_aws::{
    Clients, DynamoRecordStore, EcsTaskRunner, S3ObjectStore, SfnWorkflows, SqsQueue, TaskNetwork,
};
use tradai_config::Config;
use tradai_domain::entities::{ConfigVersion, IdempotencyRecord};
use tradai_domain::ports::{
    CandleSource, JobRepository, MarketStore, ModelRegistry, ObjectStore, RecordStore, TableLayout,
};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};
use tradai_lambdas::data_proxy::InProcessDataCollection;
use tradai_market::ParquetStore;
use tradai_memory::{
    MemoryObjectStore, MemoryQueue, MemoryRecordStore, MemoryTaskRunner, MemoryWorkflows,
};
use tradai_service_kit::auth::Verifier;

use crate::executor::{EcsExecutor, Executor, LocalExecutor, QueueExecutor, WorkflowExecutor};
use crate::local_workflow::{LocalIntegrations, LocalWorkflow};
use crate::{AppState, Operations};

/// Where submitted jobs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    Sqs,
    Stepfunctions,
    Ecs,
    Local,
}

/// The stores the local executor's workflow reads and writes, besides the backend's own.
pub struct RunnerStores {
    pub configs: Arc<dyn ObjectStore>,
    pub market: Arc<dyn MarketStore>,
    /// Where ensure-data fetches missing candles.
    pub source: Arc<dyn CandleSource>,
    pub registry: Option<Arc<dyn ModelRegistry>>,
}

impl std::fmt::Debug for RunnerStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerStores")
            .field("registry", &self.registry.is_some())
            .finish_non_exhaustive()
    }
}

/// A local executor running the backtest workflow in-process for jobs of `jobs`, writing results to `results`.
pub fn local_executor(
    config: &Config,
    jobs: &JobRepository,
    results: Arc<dyn ObjectStore>,
    stores: RunnerStores,
) -> Result<Arc<dyn Executor>> {
    let runner = Arc::new(tradai_backtest_runner::Runner {
        jobs: jobs.clone(),
        configs: stores.configs,
        market: stores.market.clone(),
        results,
        registry: stores.registry,
        settings: tradai_backtest::Settings::default(),
    });
    let integrations = LocalIntegrations {
        runner,
        data: Arc::new(InProcessDataCollection {
            store: stores.market,
            source: stores.source,
        }),
        tasks: Arc::new(MemoryTaskRunner::new(&config.names().ecs_cluster())),
        notifier: Arc::new(tradai_memory::MemoryNotifier::new()),
        notifications: Arc::new(MemoryRecordStore::new(layout(config, "notifications")?)),
        retraining: Arc::new(MemoryRecordStore::new(layout(config, "retraining-state")?)),
        drift: Arc::new(MemoryRecordStore::new(layout(config, "drift-state")?)),
        retraining_settings: Default::default(),
        train: Default::default(),
        environment: config.env().to_string(),
    };
    Ok(Arc::new(LocalExecutor {
        workflow: Arc::new(LocalWorkflow::backtest(config, integrations)?),
    }))
}

fn layout(config: &Config, key: &str) -> Result<TableLayout> {
    config
        .settings()
        .tables
        .get(key)
        .map(|spec| TableLayout::from_spec(key, spec))
        .ok_or_else(|| DomainError::Configuration(format!("the config has no tables.{key}")))
}

/// The generic strategy task family the workflow runs.
fn task_definition(config: &Config) -> String {
    config.names().ecs_service(
        config
            .service_component("strategy-container")
            .unwrap_or("strategy-generic"),
    )
}

/// State on in-memory adapters. The `local` executor's runner gets empty in-memory configs and market stores
/// here; `tradai local up` wires it to the strategy and data-collection services' stores instead.
pub fn memory(config: &Config, kind: ExecutorKind, verifier: Arc<Verifier>) -> Result<AppState> {
    let jobs = JobRepository::new(Arc::new(MemoryRecordStore::new(layout(
        config,
        "workflow-state",
    )?)));
    let results: Arc<dyn ObjectStore> = Arc::new(MemoryObjectStore::new());
    let tasks = Arc::new(MemoryTaskRunner::new(&config.names().ecs_cluster()));
    let executor: Arc<dyn Executor> = match kind {
        ExecutorKind::Sqs => {
            let spec = config.settings().queues.get("backtest").ok_or_else(|| {
                DomainError::Configuration("the config has no queues.backtest".into())
            })?;
            let name = config.names().queue("backtest", spec.fifo).to_string();
            Arc::new(QueueExecutor {
                queue: Arc::new(MemoryQueue::from_spec(name, spec)),
            })
        }
        ExecutorKind::Stepfunctions => Arc::new(WorkflowExecutor {
            workflows: Arc::new(MemoryWorkflows::new(
                config.names().state_machine("backtest").as_str(),
            )),
            task_definition: task_definition(config),
        }),
        ExecutorKind::Ecs => Arc::new(EcsExecutor {
            tasks: tasks.clone(),
            task_definition: task_definition(config),
        }),
        ExecutorKind::Local => local_executor(
            config,
            &jobs,
            results.clone(),
            RunnerStores {
                configs: Arc::new(MemoryObjectStore::new()),
                market: Arc::new(ParquetStore::new(Arc::new(MemoryObjectStore::new()))),
                source: Arc::new(tradai_market::RecordedSource::new(
                    tradai_market::Recording::bundled()?,
                )),
                registry: Some(Arc::new(tradai_memory::MemoryModelRegistry::new())),
            },
        )?,
    };
    Ok(AppState {
        jobs,
        idempotency: Arc::new(MemoryRecordStore::new(layout(config, "idempotency")?)),
        configs: Arc::new(MemoryRecordStore::new(layout(config, "config-versions")?)),
        results,
        operations: Operations::new(config, tasks, Arc::new(tradai_memory::MemoryLogs::new())),
        executor,
        strategy_service: strategy_service(config),
        verifier,
        service: "backend",
    })
}

/// The private network of strategy tasks, from `ECS_SUBNETS` and `ECS_SECURITY_GROUPS` (comma-separated, as
/// the compute layer gives the Lambdas); `None` leaves it to the task definition.
fn task_network() -> Option<TaskNetwork> {
    let list = |name: &str| {
        std::env::var(name).ok().map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    Some(TaskNetwork {
        subnets: list("ECS_SUBNETS")?,
        security_groups: list("ECS_SECURITY_GROUPS")?,
    })
}

/// The strategy service: `STRATEGY_SERVICE_URL` (the compute layer sets it), else its Cloud Map URL.
fn strategy_service(config: &Config) -> crate::StrategyService {
    let url = std::env::var("STRATEGY_SERVICE_URL")
        .ok()
        .or_else(|| config.service_url("strategy-service"))
        .unwrap_or_else(|| "http://127.0.0.1:8003".into());
    crate::StrategyService::new(&url)
}

fn policy(service: &str) -> Arc<ResiliencePolicy> {
    Arc::new(ResiliencePolicy::aws(service))
}

/// State on AWS adapters (tables, the backtest queue or state machine of `config`).
pub async fn aws(
    config: &Config,
    clients: &Clients,
    kind: ExecutorKind,
    verifier: Arc<Verifier>,
) -> Result<AppState> {
    let table = |_: &str| policy("dynamodb");
    let jobs = JobRepository::new(Arc::new(DynamoRecordStore::new(
        clients.dynamodb.clone(),
        config,
        table("workflow-state"),
    )?));
    let bucket = |key: &str| -> Result<Arc<dyn ObjectStore>> {
        Ok(Arc::new(S3ObjectStore::new(
            clients.s3.clone(),
            config,
            key,
            policy("s3"),
        )?))
    };
    let results = bucket("results")?;
    let tasks = Arc::new(EcsTaskRunner::new(
        clients.ecs.clone(),
        config,
        task_network(),
        policy("ecs"),
    ));
    let executor: Arc<dyn Executor> = match kind {
        ExecutorKind::Ecs => Arc::new(EcsExecutor {
            tasks: tasks.clone(),
            task_definition: task_definition(config),
        }),
        ExecutorKind::Local => {
            let registry: Option<Arc<dyn ModelRegistry>> =
                match std::env::var("MLFLOW_TRACKING_URI") {
                    Ok(_) => Some(Arc::new(tradai_mlflow::MlflowRegistry::from_env()?)),
                    Err(_) => None,
                };
            let url = std::env::var("BINANCE_FUTURES_URL")
                .unwrap_or_else(|_| tradai_market::binance::PRODUCTION_URL.to_owned());
            let stores = RunnerStores {
                configs: bucket("configs")?,
                market: Arc::new(ParquetStore::new(bucket("arcticdb")?)),
                source: Arc::new(tradai_market::BinanceFutures::new(
                    &url,
                    tradai_market::Settings::default(),
                )?),
                registry,
            };
            local_executor(config, &jobs, results.clone(), stores)?
        }
        ExecutorKind::Sqs => Arc::new(QueueExecutor {
            queue: Arc::new(
                SqsQueue::lookup(
                    clients.sqs.clone(),
                    config,
                    "backtest",
                    false,
                    policy("sqs"),
                )
                .await?,
            ),
        }),
        ExecutorKind::Stepfunctions => {
            let identity = clients
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| DomainError::External {
                    service: "sts".into(),
                    kind: tradai_domain::ExternalKind::Unavailable,
                    message: e.to_string(),
                })?;
            let arn = format!(
                "arn:aws:states:{}:{}:stateMachine:{}",
                config.settings().aws.region,
                identity.account().unwrap_or_default(),
                config.names().state_machine("backtest")
            );
            Arc::new(WorkflowExecutor {
                workflows: Arc::new(SfnWorkflows::new(
                    clients.sfn.clone(),
                    arn,
                    policy("states"),
                )),
                task_definition: task_definition(config),
            })
        }
    };
    let idempotency: Arc<dyn RecordStore<IdempotencyRecord>> = Arc::new(DynamoRecordStore::new(
        clients.dynamodb.clone(),
        config,
        table("idempotency"),
    )?);
    let configs: Arc<dyn RecordStore<ConfigVersion>> = Arc::new(DynamoRecordStore::new(
        clients.dynamodb.clone(),
        config,
        table("config-versions"),
    )?);
    Ok(AppState {
        jobs,
        idempotency,
        configs,
        results,
        operations: Operations::new(
            config,
            tasks,
            Arc::new(tradai_aws::CloudWatchLogs::new(
                clients.logs.clone(),
                policy("logs"),
            )),
        ),
        executor,
        strategy_service: strategy_service(config),
        verifier,
        service: "backend",
    })
}
