//! [`MemoryPorts`]: the in-memory twins of every port, kept as their concrete types so tests can look inside
//! (the tasks started, the objects written, the messages published) of the very platform they drive.

use std::sync::Arc;

use tradai_config::Config;
use tradai_domain::entities::Record;
use tradai_domain::ports::Executor;
use tradai_domain::ports::{JobRepository, TableLayout};
use tradai_domain::{DomainError, Result};
use tradai_memory::{
    MemoryLogs, MemoryModelRegistry, MemoryNotifier, MemoryObjectStore, MemoryQueue,
    MemoryRecordStore, MemoryTaskRunner, MemoryTransactor, MemoryWorkflows,
};

use crate::executor::{self, ExecutorKind, QueueExecutor, WorkflowExecutor};
use crate::Ports;

/// Every port in memory.
#[derive(Debug, Clone)]
pub struct MemoryPorts {
    pub jobs: JobRepository,
    pub results: Arc<MemoryObjectStore>,
    pub configs: Arc<MemoryObjectStore>,
    /// The market-data bucket under the Parquet store.
    pub market_objects: Arc<MemoryObjectStore>,
    pub registry: Arc<MemoryModelRegistry>,
    pub tasks: Arc<MemoryTaskRunner>,
    pub logs: Arc<MemoryLogs>,
    pub notifier: Arc<MemoryNotifier>,
    /// The backtest queue the `sqs` executor sends to.
    pub backtest_queue: Arc<MemoryQueue>,
    /// The backtest state machine the `stepfunctions` executor starts.
    pub backtest_workflows: Arc<MemoryWorkflows>,
    /// The strategy task family the workflow and the `ecs` executor run.
    pub task_definition: String,
    ports: Ports,
}

/// An in-memory table of `R` laid out as `tables.<R::TABLE>` of `config`.
pub fn table<R: Record>(config: &Config) -> Result<Arc<MemoryRecordStore<R>>> {
    let spec = config.settings().tables.get(R::TABLE).ok_or_else(|| {
        DomainError::Configuration(format!("the config has no tables.{}", R::TABLE))
    })?;
    Ok(Arc::new(MemoryRecordStore::new(TableLayout::from_spec(
        R::TABLE,
        spec,
    ))))
}

/// [`table`], taking part in `transactor`'s transactions.
fn joined<R: Record>(
    config: &Config,
    transactor: &mut MemoryTransactor,
) -> Result<Arc<MemoryRecordStore<R>>> {
    let table = table::<R>(config)?;
    transactor.include(table.clone());
    Ok(table)
}

impl MemoryPorts {
    /// Fresh, empty twins for `config`; candles come from the recorded Binance pages.
    pub fn new(config: &Config) -> Result<MemoryPorts> {
        let results = Arc::new(MemoryObjectStore::new());
        let configs = Arc::new(MemoryObjectStore::new());
        let market_objects = Arc::new(MemoryObjectStore::new());
        let registry = Arc::new(MemoryModelRegistry::new());
        let tasks = Arc::new(MemoryTaskRunner::new(&config.names().ecs_cluster()));
        let logs = Arc::new(MemoryLogs::new());
        let notifier = Arc::new(MemoryNotifier::new());
        let mut tx = MemoryTransactor::new();
        let jobs = JobRepository::new(joined(config, &mut tx)?);
        let queue_spec = config.settings().queues.get("backtest").ok_or_else(|| {
            DomainError::Configuration("the config has no queues.backtest".into())
        })?;
        let backtest_queue = Arc::new(MemoryQueue::from_spec(
            config
                .names()
                .queue("backtest", queue_spec.fifo)
                .to_string(),
            queue_spec,
        ));
        let backtest_workflows = Arc::new(MemoryWorkflows::new(
            config.names().state_machine("backtest").as_str(),
        ));
        let ports = Ports {
            jobs: jobs.clone(),
            idempotency: joined(config, &mut tx)?,
            config_versions: joined(config, &mut tx)?,
            notifications: joined(config, &mut tx)?,
            retraining: joined(config, &mut tx)?,
            rollbacks: joined(config, &mut tx)?,
            health: joined(config, &mut tx)?,
            sessions: joined(config, &mut tx)?,
            infra_drift: joined(config, &mut tx)?,
            drift: joined(config, &mut tx)?,
            transactions: Arc::new(tx),
            results: results.clone(),
            configs: configs.clone(),
            market: Arc::new(tradai_market::ParquetStore::new(market_objects.clone())),
            source: Arc::new(tradai_market::RecordedSource::new(
                tradai_market::Recording::bundled()?,
            )),
            registry: registry.clone(),
            tasks: tasks.clone(),
            logs: logs.clone(),
            notifier: notifier.clone(),
            description: "in-memory adapters".into(),
        };
        Ok(MemoryPorts {
            jobs,
            results,
            configs,
            market_objects,
            registry,
            tasks,
            logs,
            notifier,
            backtest_queue,
            backtest_workflows,
            task_definition: executor::strategy_task_definition(config),
            ports,
        })
    }

    /// An executor of a kind that runs outside this process, on these twins (`local` is refused: build it
    /// with `tradai-local-executor`).
    pub fn executor(&self, kind: ExecutorKind) -> Result<Arc<dyn Executor>> {
        Ok(match kind {
            ExecutorKind::Sqs => Arc::new(QueueExecutor {
                queue: self.backtest_queue.clone(),
            }),
            ExecutorKind::Stepfunctions => Arc::new(WorkflowExecutor {
                workflows: self.backtest_workflows.clone(),
                task_definition: self.task_definition.clone(),
            }),
            ExecutorKind::Ecs => Arc::new(executor::EcsExecutor {
                tasks: self.tasks.clone(),
                task_definition: self.task_definition.clone(),
            }),
            ExecutorKind::Local => return Err(executor::not_remote()),
        })
    }

    /// The same twins as [`Ports`].
    pub fn ports(&self) -> Ports {
        self.ports.clone()
    }
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};
    use tradai_domain::ports::{ObjectStore, StoredObject};

    use super::*;

    #[tokio::test]
    async fn the_ports_share_the_twins_tests_look_into() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let memory = MemoryPorts::new(&config).expect("ports");
        let ports = memory.ports();
        ports
            .results
            .put(
                "a.json",
                StoredObject {
                    body: b"{}".to_vec(),
                    content_type: "application/json".into(),
                    metadata: Default::default(),
                },
            )
            .await
            .expect("put");
        assert!(memory.results.get("a.json").await.is_ok());
        assert!(memory.configs.get("a.json").await.is_err());
        assert_eq!(ports.description, "in-memory adapters");
    }
}
