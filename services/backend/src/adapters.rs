//! Building the backend's state on in-memory adapters (the embedded default) or AWS ones (an emulator or the
//! cloud), with either executor. Names come from the config; nothing here formats a resource name itself.

use std::sync::Arc;

use tradai_aws::{
    Clients, DynamoRecordStore, EcsTaskRunner, S3ObjectStore, SfnWorkflows, SqsQueue, TaskNetwork,
};
use tradai_config::Config;
use tradai_domain::entities::{ConfigVersion, IdempotencyRecord};
use tradai_domain::ports::{JobRepository, RecordStore, TableLayout};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};
use tradai_memory::{
    MemoryObjectStore, MemoryQueue, MemoryRecordStore, MemoryTaskRunner, MemoryWorkflows,
};
use tradai_service_kit::auth::Verifier;

use crate::executor::{Executor, QueueExecutor, WorkflowExecutor};
use crate::{AppState, Operations};

/// Where submitted jobs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    Sqs,
    Stepfunctions,
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

/// State on in-memory adapters.
pub fn memory(config: &Config, kind: ExecutorKind, verifier: Arc<Verifier>) -> Result<AppState> {
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
    };
    Ok(AppState {
        jobs: JobRepository::new(Arc::new(MemoryRecordStore::new(layout(
            config,
            "workflow-state",
        )?))),
        idempotency: Arc::new(MemoryRecordStore::new(layout(config, "idempotency")?)),
        configs: Arc::new(MemoryRecordStore::new(layout(config, "config-versions")?)),
        results: Arc::new(MemoryObjectStore::new()),
        operations: Operations::new(
            config,
            Arc::new(MemoryTaskRunner::new(&config.names().ecs_cluster())),
            Arc::new(tradai_memory::MemoryLogs::new()),
        ),
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
    let executor: Arc<dyn Executor> = match kind {
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
        jobs: JobRepository::new(Arc::new(DynamoRecordStore::new(
            clients.dynamodb.clone(),
            config,
            table("workflow-state"),
        )?)),
        idempotency,
        configs,
        results: Arc::new(S3ObjectStore::new(
            clients.s3.clone(),
            config,
            "results",
            policy("s3"),
        )?),
        operations: Operations::new(
            config,
            Arc::new(EcsTaskRunner::new(
                clients.ecs.clone(),
                config,
                task_network(),
                policy("ecs"),
            )),
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
