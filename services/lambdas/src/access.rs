//! The AWS adapters each function runs and the resources it binds them to (`tradai_config::access`), for
//! `tradai infra check`'s `permissions` rule: a function reaches a resource through the variable that names
//! it (`${table:…}` is a record store, `${queue-url:…}` a producer, …), and its triggers add what the Lambda
//! service does with the function's role (an SQS event source mapping polls the queue).

use tradai_config::access::{self, types, Access, Use};
use tradai_config::{Config, EnvValue, Function, Trigger};

fn bound(access: &'static Access, resource_type: &'static str, name: String) -> Use {
    Use {
        access,
        resource_type,
        name,
    }
}

/// The bindings of `function` in `config`.
pub fn uses(function: Function, config: &Config) -> Vec<Use> {
    let names = config.names();
    let key = function.key();
    let mut out = Vec::new();
    for (_, value) in config.lambda_env(key).unwrap_or_default() {
        out.extend(match value {
            EnvValue::Table(t) => Some(bound(
                &access::RECORD_STORE,
                types::TABLE,
                names.table(&t).to_string(),
            )),
            EnvValue::Bucket(b) => Some(bound(
                &access::OBJECT_STORE,
                types::BUCKET,
                names.bucket(&b).to_string(),
            )),
            EnvValue::QueueUrl(q) => Some(bound(
                &access::QUEUE_SEND,
                types::QUEUE,
                config.queue_name(&q).unwrap_or_default(),
            )),
            EnvValue::TopicArn(t) => Some(bound(
                &access::NOTIFIER,
                types::TOPIC,
                names.topic(&t).to_string(),
            )),
            EnvValue::WorkflowArn(w) => Some(bound(
                &access::WORKFLOWS,
                types::STATE_MACHINE,
                names.state_machine(&w).to_string(),
            )),
            EnvValue::Secret(s) => Some(bound(&access::SECRETS, types::SECRET, names.secret(&s))),
            EnvValue::Cluster => Some(bound(
                &access::TASK_RUNNER,
                types::CLUSTER,
                names.ecs_cluster(),
            )),
            EnvValue::Deploy(output) if output == "private-route-table-id" => Some(bound(
                &access::NAT_ROUTES,
                types::ROUTE_TABLE,
                names.resource("private-rt"),
            )),
            _ => None,
        });
    }
    for trigger in config
        .settings()
        .lambdas
        .get(key)
        .map(|l| l.triggers.as_slice())
        .unwrap_or_default()
    {
        match trigger {
            Trigger::Sqs { queue, .. } => out.push(bound(
                &access::QUEUE_TRIGGER,
                types::QUEUE,
                config.queue_name(queue).unwrap_or_default(),
            )),
            // The launch rule and the group exist in NAT-instance mode only (the stacks wire the trigger then).
            Trigger::AsgLifecycle { group }
                if config.settings().network.nat.mode == tradai_config::NatMode::Instance =>
            {
                out.push(bound(
                    &access::NAT_LIFECYCLE,
                    types::AUTOSCALING_GROUP,
                    names.resource(group),
                ))
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};

    use super::*;

    #[test]
    fn the_backtest_consumer_is_delivered_its_queue_and_starts_the_workflow() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let uses = uses(Function::BacktestConsumer, &config);
        let adapters: Vec<(&str, &str)> = uses
            .iter()
            .map(|u| (u.access.adapter, u.name.as_str()))
            .collect();
        assert!(adapters.contains(&("the SQS event source mapping", "tradai-backtest-dev.fifo")));
        assert!(adapters.contains(&("SfnWorkflows", "tradai-backtest-workflow-dev")));
        assert!(adapters.contains(&("DynamoRecordStore", "tradai-workflow-state-dev")));
    }
}
