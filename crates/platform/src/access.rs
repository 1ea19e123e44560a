//! What [`Ports::aws`](crate::Ports) and the remote executors bind each AWS adapter to, as data for `tradai
//! infra check`'s `permissions` rule (the adapters' actions are `tradai_config::access`). It lives beside the
//! code that builds the adapters and needs no AWS SDK, so the CLI reads it.

use tradai_config::access::{self, types, Use};
use tradai_config::Config;
use tradai_domain::entities::{
    BacktestJob, ConfigVersion, DriftRecord, HealthRecord, IdempotencyRecord, InfraDriftRecord,
    NotificationRecord, Record, RetrainingRecord, RollbackRecord, TradingSession,
};

use crate::ExecutorKind;

/// The tables of the record stores [`Ports`](crate::Ports) holds, one per field.
pub const PORT_TABLES: [&str; 10] = [
    BacktestJob::TABLE,
    IdempotencyRecord::TABLE,
    ConfigVersion::TABLE,
    NotificationRecord::TABLE,
    RetrainingRecord::TABLE,
    DriftRecord::TABLE,
    RollbackRecord::TABLE,
    HealthRecord::TABLE,
    TradingSession::TABLE,
    InfraDriftRecord::TABLE,
];

/// The buckets of the object stores [`Ports`](crate::Ports) holds (results, strategy configs, candles).
pub const PORT_BUCKETS: [&str; 3] = ["results", "configs", "arcticdb"];

fn bound(access: &'static access::Access, resource_type: &'static str, name: String) -> Use {
    Use {
        access,
        resource_type,
        name,
    }
}

/// Every binding of [`Ports::aws`](crate::Ports) for `config`: a record store per table, an object store per
/// bucket, the task runner on the cluster, the log reader on the containers' log group, and the notifier on
/// `alerts_topic` (the topic's name) when the binary is given one.
pub fn ports(config: &Config, alerts_topic: Option<&str>) -> Vec<Use> {
    let names = config.names();
    let mut out: Vec<Use> = PORT_TABLES
        .iter()
        .map(|t| {
            bound(
                &access::RECORD_STORE,
                types::TABLE,
                names.table(t).to_string(),
            )
        })
        .collect();
    out.extend(PORT_BUCKETS.iter().map(|b| {
        bound(
            &access::OBJECT_STORE,
            types::BUCKET,
            names.bucket(b).to_string(),
        )
    }));
    out.push(bound(
        &access::TASK_RUNNER,
        types::CLUSTER,
        names.ecs_cluster(),
    ));
    out.push(bound(
        &access::LOG_READER,
        types::LOG_GROUP,
        names.ecs_log_group(),
    ));
    if let Some(topic) = alerts_topic {
        out.push(bound(&access::NOTIFIER, types::TOPIC, topic.to_owned()));
    }
    out
}

/// The binding of [`Platform::workflow`](crate::Platform::workflow): the config's state machine `key`,
/// started, watched and stopped.
pub fn workflow(config: &Config, key: &str) -> Use {
    bound(
        &access::WORKFLOWS,
        types::STATE_MACHINE,
        config.names().state_machine(key).to_string(),
    )
}

/// The bindings of the executor of `kind` (`crate::executor::aws`): the backtest queue looked up by name and
/// sent to, or the backtest state machine started; the `ecs` executor runs tasks as the ports do.
pub fn executor(config: &Config, kind: ExecutorKind) -> Vec<Use> {
    let names = config.names();
    match kind {
        ExecutorKind::Sqs => {
            let queue = config.queue_name("backtest").unwrap_or_default();
            vec![
                bound(&access::QUEUE_LOOKUP, types::QUEUE, queue.clone()),
                bound(&access::QUEUE_SEND, types::QUEUE, queue),
            ]
        }
        ExecutorKind::Stepfunctions => vec![workflow(config, "backtest")],
        ExecutorKind::Ecs => vec![bound(
            &access::TASK_RUNNER,
            types::CLUSTER,
            names.ecs_cluster(),
        )],
        ExecutorKind::Local => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use tradai_config::{Environment, Loader};
    use tradai_domain::ports::RecordStore;

    use super::*;
    use crate::Ports;

    fn table<R: Record>(_: &Arc<dyn RecordStore<R>>) -> &'static str {
        R::TABLE
    }

    #[test]
    fn every_record_store_of_the_ports_is_listed() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let p = Ports::memory(&config).expect("memory ports");
        let held: BTreeSet<&str> = [
            BacktestJob::TABLE,
            table(&p.idempotency),
            table(&p.config_versions),
            table(&p.notifications),
            table(&p.retraining),
            table(&p.drift),
            table(&p.rollbacks),
            table(&p.health),
            table(&p.sessions),
            table(&p.infra_drift),
        ]
        .into();
        assert_eq!(held, PORT_TABLES.into());
        let bound = ports(&config, Some("tradai-alerts-dev"));
        assert_eq!(bound.len(), 10 + 3 + 3);
        assert!(bound.iter().any(|u| u.name == "tradai-workflow-state-dev"));
        assert_eq!(
            executor(&config, ExecutorKind::Sqs)[0].access.adapter,
            "SqsQueue::lookup"
        );
    }
}
