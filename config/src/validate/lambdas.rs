//! Rules on Lambda functions: sizes, triggers, schedules and environment references.

use super::{in_range, quoted};
use crate::envref::{EnvValue, DEPLOY_OUTPUTS, ENV_VALUE_ALLOWED};
use crate::problem::Problem;
use crate::schedule::{ScheduleExpression, SCHEDULE_ALLOWED};
use crate::{Function, Settings, Trigger};

/// Auto-scaling groups a lifecycle trigger may name.
const ASG_GROUPS: [&str; 1] = ["nat"];

/// `[lambdas.*]` names exactly the platform's functions: each key one [`Function`], each function once.
fn registry(s: &Settings, out: &mut Vec<Problem>) {
    for key in s.lambdas.keys() {
        if key.parse::<Function>().is_err() {
            out.push(Problem::new(
                format!("lambdas.{key}"),
                quoted(key),
                "no handler serves this function",
                format!("one of {}", Function::keys().join(", ")),
            ));
        }
    }
    for function in Function::ALL {
        if !s.lambdas.contains_key(function.key()) {
            out.push(Problem::new(
                format!("lambdas.{}", function.key()),
                "(missing)",
                "the platform's function has no settings",
                "a [lambdas.<key>] table for every function",
            ));
        }
    }
}

/// The functions that start backtest workflows (decision A19) do so under one `MAX_CONCURRENT_TASKS`.
fn one_cap(s: &Settings, out: &mut Vec<Problem>) {
    const CAP: &str = "MAX_CONCURRENT_TASKS";
    let cap = |f: Function| s.lambdas.get(f.key()).and_then(|l| l.env.get(CAP));
    let consumer = cap(Function::BacktestConsumer);
    let sweeper = cap(Function::JobSweeper);
    if consumer != sweeper {
        out.push(Problem::new(
            format!("lambdas.{}.env.{CAP}", Function::JobSweeper.key()),
            sweeper.map_or("(missing)".into(), |v| quoted(v)),
            "the job sweeper starts backtest workflows under the backtest consumer's cap",
            format!(
                "the value of lambdas.{}.env.{CAP}: {}",
                Function::BacktestConsumer.key(),
                consumer.map_or("(missing)".into(), |v| quoted(v))
            ),
        ));
    }
}

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    registry(s, out);
    one_cap(s, out);
    for (key, lambda) in &s.lambdas {
        let path = format!("lambdas.{key}");
        in_range(
            out,
            format!("{path}.memory_mb"),
            lambda.memory_mb,
            128..=10_240,
            "memory",
        );
        if lambda.timeout_seconds > 900 {
            out.push(Problem::new(
                format!("{path}.timeout_seconds"),
                lambda.timeout_seconds,
                "Lambda timeout above 900 s (the AWS maximum)",
                "1 to 900",
            ));
        } else {
            in_range(
                out,
                format!("{path}.timeout_seconds"),
                lambda.timeout_seconds,
                1..=900,
                "timeout",
            );
        }
        if let Some(limit) = lambda.reserved_concurrency {
            in_range(
                out,
                format!("{path}.reserved_concurrency"),
                limit,
                1..=1000,
                "reserved concurrency",
            );
        }
        if lambda.triggers.is_empty() {
            out.push(Problem::new(
                format!("{path}.triggers"),
                "[]",
                "nothing invokes this function",
                "at least one trigger",
            ));
        }
        for (index, trigger) in lambda.triggers.iter().enumerate() {
            check_trigger(
                s,
                key,
                lambda.timeout_seconds,
                trigger,
                &format!("{path}.triggers[{index}]"),
                out,
            );
        }
        for (name, value) in &lambda.env {
            check_env(s, &format!("{path}.env.{name}"), name, value, out);
        }
    }
}

fn check_trigger(
    s: &Settings,
    function: &str,
    timeout: u32,
    trigger: &Trigger,
    at: &str,
    out: &mut Vec<Problem>,
) {
    let keys = |map: Vec<&String>| {
        map.into_iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match trigger {
        Trigger::Sqs { queue, batch_size } => match s.queues.get(queue) {
            None => out.push(Problem::new(
                format!("{at}.queue"),
                quoted(queue),
                "not a queue of this config",
                keys(s.queues.keys().collect()),
            )),
            Some(spec) => {
                let max = if spec.fifo { 10 } else { 10_000 };
                in_range(
                    out,
                    format!("{at}.batch_size"),
                    *batch_size,
                    1..=max,
                    "batch size",
                );
                let needed = timeout.saturating_mul(6);
                if spec.visibility_timeout_seconds < needed {
                    out.push(Problem::new(
                        format!("queues.{queue}.visibility_timeout_seconds"),
                        spec.visibility_timeout_seconds,
                        format!("shorter than 6 x the timeout of its consumer lambdas.{function} ({timeout} s), so messages would be received twice"),
                        format!("at least {needed}"),
                    ));
                }
            }
        },
        Trigger::Schedule { expression } => {
            if let Err(err) = expression.parse::<ScheduleExpression>() {
                out.push(Problem::new(
                    format!("{at}.expression"),
                    quoted(expression),
                    format!("bad schedule expression: {err}"),
                    SCHEDULE_ALLOWED,
                ));
            }
        }
        Trigger::Workflow { workflow } => {
            if !s.workflows.contains_key(workflow) {
                out.push(Problem::new(
                    format!("{at}.workflow"),
                    quoted(workflow),
                    "not a workflow of this config",
                    keys(s.workflows.keys().collect()),
                ));
            }
        }
        Trigger::AsgLifecycle { group } => {
            if !ASG_GROUPS.contains(&group.as_str()) {
                out.push(Problem::new(
                    format!("{at}.group"),
                    quoted(group),
                    "not an auto-scaling group of the platform",
                    ASG_GROUPS.join(", "),
                ));
            }
        }
        Trigger::Alarm | Trigger::Direct => {}
    }
}

fn check_env(s: &Settings, at: &str, name: &str, value: &str, out: &mut Vec<Problem>) {
    let name_ok = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !name_ok {
        out.push(Problem::new(
            at,
            quoted(name),
            "not an environment variable name",
            "upper-case letters, digits and _, starting with a letter",
        ));
    }
    if name == "ENVIRONMENT" || name.starts_with("AWS_") || name.starts_with("LAMBDA_") {
        out.push(Problem::new(
            at,
            quoted(name),
            "reserved: set by AWS or by the platform (ENVIRONMENT is always the environment name)",
            "any other name",
        ));
    }
    let parsed = match EnvValue::parse(value) {
        Ok(parsed) => parsed,
        Err(err) => return out.push(Problem::new(at, quoted(value), err, ENV_VALUE_ALLOWED)),
    };
    let keys = |keys: Vec<&String>| {
        keys.into_iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let missing = match &parsed {
        EnvValue::Table(k) if !s.tables.contains_key(k) => {
            Some(("table", keys(s.tables.keys().collect())))
        }
        EnvValue::Bucket(k) if !s.buckets.contains_key(k) => {
            Some(("bucket", keys(s.buckets.keys().collect())))
        }
        EnvValue::QueueUrl(k) if !s.queues.contains_key(k) => {
            Some(("queue", keys(s.queues.keys().collect())))
        }
        EnvValue::TopicArn(k) if !s.topics.contains_key(k) => {
            Some(("topic", keys(s.topics.keys().collect())))
        }
        EnvValue::WorkflowArn(k) if !s.workflows.contains_key(k) => {
            Some(("workflow", keys(s.workflows.keys().collect())))
        }
        EnvValue::TaskFamily(k) if !s.services.contains_key(k) => {
            Some(("service", keys(s.services.keys().collect())))
        }
        EnvValue::ServiceUrl(k) if s.services.get(k).and_then(|svc| svc.port).is_none() => {
            let with_ports = s
                .services
                .iter()
                .filter(|(_, svc)| svc.port.is_some())
                .map(|(k, _)| k)
                .collect();
            Some(("service with a port", keys(with_ports)))
        }
        EnvValue::Deploy(k) if !DEPLOY_OUTPUTS.contains(&k.as_str()) => {
            Some(("stack output", DEPLOY_OUTPUTS.join(", ")))
        }
        EnvValue::Secret(k) if !super::is_component(k) => Some((
            "secret name",
            "lower-case words joined by hyphens".to_owned(),
        )),
        _ => None,
    };
    if let Some((what, allowed)) = missing {
        out.push(Problem::new(
            at,
            quoted(value),
            format!("refers to an unknown {what}"),
            allowed,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};
    use crate::Trigger;

    /// The config's functions and the registry's are the same set, checked both ways.
    #[test]
    fn every_function_has_settings_and_every_setting_a_function() {
        let mut s = valid();
        let spec = s.lambdas.remove("orphan-scanner").expect("fn");
        s.lambdas.insert("orphan-scaner".into(), spec);
        let missing = expect_problem(&s, "lambdas.orphan-scanner", "has no settings");
        assert_eq!(missing.value, "(missing)");
        let unknown = expect_problem(&s, "lambdas.orphan-scaner", "no handler serves");
        assert_eq!(unknown.value, "\"orphan-scaner\"");
        assert!(
            unknown.allowed.contains("orphan-scanner"),
            "{}",
            unknown.allowed
        );
    }

    #[test]
    fn the_sweeper_and_the_consumer_share_one_cap() {
        let mut s = valid();
        let sweeper = s.lambdas.get_mut("job-sweeper").expect("sweeper");
        sweeper
            .env
            .insert("MAX_CONCURRENT_TASKS".into(), "3".into());
        let problem = expect_problem(
            &s,
            "lambdas.job-sweeper.env.MAX_CONCURRENT_TASKS",
            "backtest consumer's cap",
        );
        assert_eq!(problem.value, "\"3\"");
        assert!(problem.allowed.ends_with("\"10\""), "{}", problem.allowed);
    }

    #[test]
    fn rejects_a_lambda_timeout_above_900_seconds() {
        let mut s = valid();
        s.lambdas
            .get_mut("drift-monitor")
            .expect("fn")
            .timeout_seconds = 901;
        let p = expect_problem(&s, "lambdas.drift-monitor.timeout_seconds", "above 900 s");
        assert_eq!(p.allowed, "1 to 900");
        assert_eq!(p.value, "901");
    }

    #[test]
    fn rejects_memory_outside_lambda_limits() {
        let mut s = valid();
        s.lambdas.get_mut("orphan-scanner").expect("fn").memory_mb = 64;
        expect_problem(&s, "lambdas.orphan-scanner.memory_mb", "128 to 10240");
    }

    #[test]
    fn rejects_a_bad_schedule_expression() {
        let mut s = valid();
        s.lambdas.get_mut("health-check").expect("fn").triggers = vec![Trigger::Schedule {
            expression: "rate(2 minute)".into(),
        }];
        let p = expect_problem(
            &s,
            "lambdas.health-check.triggers[0].expression",
            "bad schedule expression",
        );
        assert!(
            p.message
                .ends_with("rate of 2 needs the plural unit 'minutes'"),
            "{p}"
        );
        assert!(p.allowed.starts_with("rate(<n> minute|minutes"), "{p}");
    }

    #[test]
    fn rejects_triggers_that_name_unknown_queues_workflows_or_groups() {
        let mut s = valid();
        s.lambdas.get_mut("cleanup-resources").expect("fn").triggers = vec![
            Trigger::Sqs {
                queue: "backtests".into(),
                batch_size: 10,
            },
            Trigger::Workflow {
                workflow: "deploy".into(),
            },
            Trigger::AsgLifecycle {
                group: "ecs".into(),
            },
        ];
        s.lambdas
            .get_mut("promote-model")
            .expect("fn")
            .triggers
            .clear();
        let p = expect_problem(
            &s,
            "lambdas.cleanup-resources.triggers[0].queue",
            "not a queue",
        );
        assert_eq!(p.allowed, "backtest, retraining");
        expect_problem(
            &s,
            "lambdas.cleanup-resources.triggers[1].workflow",
            "not a workflow",
        );
        expect_problem(
            &s,
            "lambdas.cleanup-resources.triggers[2].group",
            "not an auto-scaling group",
        );
        expect_problem(
            &s,
            "lambdas.promote-model.triggers",
            "nothing invokes this function",
        );
    }

    #[test]
    fn rejects_fifo_batches_above_ten_and_short_visibility_timeouts() {
        let mut s = valid();
        s.lambdas.get_mut("backtest-consumer").expect("fn").triggers = vec![Trigger::Sqs {
            queue: "backtest".into(),
            batch_size: 11,
        }];
        s.lambdas
            .get_mut("sqs-consumer")
            .expect("fn")
            .timeout_seconds = 60;
        expect_problem(
            &s,
            "lambdas.backtest-consumer.triggers[0].batch_size",
            "1 to 10",
        );
        let p = expect_problem(
            &s,
            "queues.retraining.visibility_timeout_seconds",
            "6 x the timeout",
        );
        assert_eq!(p.allowed, "at least 360");
    }

    #[test]
    fn rejects_env_references_to_unknown_resources_and_reserved_names() {
        let mut s = valid();
        let env = &mut s.lambdas.get_mut("update-status").expect("fn").env;
        env.insert("A_TABLE".into(), "${table:workflow-states}".into());
        env.insert("A_URL".into(), "${service-url:strategy-container}".into());
        env.insert("AN_OUTPUT".into(), "${deploy:vpc}".into());
        env.insert("ENVIRONMENT".into(), "prod".into());
        env.insert("lower".into(), "x".into());
        env.insert("MIXED".into(), "s3://${bucket:results}/x".into());
        let p = expect_problem(
            &s,
            "lambdas.update-status.env.A_TABLE",
            "refers to an unknown table",
        );
        assert!(p.allowed.contains("workflow-state"), "{p}");
        expect_problem(
            &s,
            "lambdas.update-status.env.A_URL",
            "unknown service with a port",
        );
        expect_problem(
            &s,
            "lambdas.update-status.env.AN_OUTPUT",
            "unknown stack output",
        );
        expect_problem(&s, "lambdas.update-status.env.ENVIRONMENT", "reserved");
        expect_problem(
            &s,
            "lambdas.update-status.env.lower",
            "not an environment variable name",
        );
        expect_problem(
            &s,
            "lambdas.update-status.env.MIXED",
            "must be the whole value",
        );
    }
}
