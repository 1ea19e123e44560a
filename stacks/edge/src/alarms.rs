//! The alarms of reference §14.4 (service unhealthy, heartbeat stale, drift, NAT unhealthy, API latency)
//! plus Lambda errors, dead-letter queues not empty and failed workflow executions, all to the alerts topic.
//! [`alarms`] derives them from the config as data; [`create`] makes them with the upstream values.

use std::collections::HashMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{metrics, Config, Layer, NatMode, Trigger};
use tradai_pulumi_aws::cloudwatch;
use tradai_stack_kit::{int, served_services, tags, Known};

/// A dimension value: fixed, or an upstream value (a field of [`Known`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Fixed(String),
    /// The `targetgroup/<name>/<id>` of served service `key`.
    TargetGroupSuffix(String),
    /// The ALB's `app/<name>/<id>`.
    AlbSuffix,
    /// The NAT instances' auto-scaling group.
    NatGroup,
    /// The NAT gateway.
    NatGateway,
    /// The HTTP API.
    ApiId,
    /// The name of Lambda `key`.
    FunctionName(String),
    /// The ARN of state machine `key`.
    StateMachineArn(String),
}

/// One alarm, before the upstream values are known.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub name: String,
    pub description: String,
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(&'static str, Value)>,
    /// `Minimum`, `Maximum`, `Sum`, or a percentile such as `p95`.
    pub statistic: String,
    pub comparison: &'static str,
    pub threshold: f64,
    pub evaluation_periods: u32,
    /// Whether no data means trouble (`breaching`) or nothing to report (`notBreaching`).
    pub missing_data_breaches: bool,
    /// Extra actions beyond the alerts topic: the Lambdas (keys) the alarm invokes.
    pub actions: Vec<String>,
}

fn environment(config: &Config) -> (&'static str, Value) {
    (
        metrics::ENVIRONMENT_DIMENSION,
        Value::Fixed(config.env().to_string()),
    )
}

/// An alarm on an AWS or custom metric, evaluated over one period, quiet without data, acting on the alerts
/// topic only.
fn aws(
    name: String,
    description: String,
    (namespace, metric): (&str, &str),
    dimensions: Vec<(&'static str, Value)>,
    (statistic, comparison, threshold): (&str, &'static str, f64),
) -> AlarmSpec {
    AlarmSpec {
        name,
        description,
        namespace: namespace.to_owned(),
        metric: metric.to_owned(),
        dimensions,
        statistic: statistic.to_owned(),
        comparison,
        threshold,
        evaluation_periods: 1,
        missing_data_breaches: false,
        actions: vec![],
    }
}

fn custom(
    config: &Config,
    name: &str,
    description: &str,
    metric: metrics::Metric,
    threshold: f64,
) -> AlarmSpec {
    aws(
        config.names().alarm(name),
        description.to_owned(),
        (metrics::NAMESPACE, metric.name),
        vec![environment(config)],
        ("Maximum", "GreaterThanOrEqualToThreshold", threshold),
    )
}

/// A PSI threshold of the drift monitor's environment (one source for the Lambda and its alarms).
fn psi(config: &Config, variable: &str, fallback: f64) -> f64 {
    config
        .settings()
        .lambdas
        .get("drift-monitor")
        .and_then(|l| l.env.get(variable))
        .and_then(|v| v.parse().ok())
        .unwrap_or(fallback)
}

/// Every alarm of the environment.
pub fn alarms(config: &Config) -> Vec<AlarmSpec> {
    let s = config.settings();
    let names = config.names();
    let a = &s.alarms;
    let mut out = Vec::new();
    for key in served_services(config) {
        let component = config.service_component(&key).unwrap_or(&key).to_owned();
        out.push(AlarmSpec {
            evaluation_periods: 2,
            missing_data_breaches: true,
            ..aws(
                names.alarm(&format!("{component}-unhealthy")),
                format!("{key} has no healthy target behind the ALB"),
                ("AWS/ApplicationELB", "HealthyHostCount"),
                vec![
                    ("TargetGroup", Value::TargetGroupSuffix(key.clone())),
                    ("LoadBalancer", Value::AlbSuffix),
                ],
                ("Minimum", "LessThanThreshold", 1.0),
            )
        });
    }
    out.push(custom(
        config,
        "heartbeat-stale",
        &format!(
            "a trading container's heartbeat is older than {} minutes",
            a.heartbeat_stale_minutes
        ),
        metrics::STALE_HEARTBEATS,
        1.0,
    ));
    out.push(custom(
        config,
        "jobs-stuck",
        "backtest jobs were found stuck PENDING or RUNNING and started again or failed",
        metrics::STUCK_JOBS_SWEPT,
        1.0,
    ));
    let moderate = psi(config, "PSI_MODERATE_THRESHOLD", 0.1);
    let significant = psi(config, "PSI_SIGNIFICANT_THRESHOLD", 0.25);
    out.push(custom(
        config,
        "drift-moderate",
        &format!("model drift: PSI at least {moderate}"),
        metrics::DRIFT_PSI,
        moderate,
    ));
    let mut severe = custom(
        config,
        "drift-significant",
        &format!("severe model drift: PSI at least {significant}"),
        metrics::DRIFT_PSI,
        significant,
    );
    severe.actions = s
        .lambdas
        .iter()
        .filter(|(_, l)| l.triggers.contains(&Trigger::Alarm))
        .map(|(k, _)| k.clone())
        .collect();
    out.push(severe);
    out.push(match s.network.nat.mode {
        NatMode::Instance => AlarmSpec {
            evaluation_periods: 2,
            missing_data_breaches: true,
            ..aws(
                names.alarm("nat-unhealthy"),
                "the NAT instance group has no instance in service".into(),
                ("AWS/AutoScaling", "GroupInServiceInstances"),
                vec![("AutoScalingGroupName", Value::NatGroup)],
                ("Minimum", "LessThanThreshold", 1.0),
            )
        },
        NatMode::Gateway => aws(
            names.alarm("nat-unhealthy"),
            "the NAT gateway cannot allocate ports".into(),
            ("AWS/NATGateway", "ErrorPortAllocation"),
            vec![("NatGatewayId", Value::NatGateway)],
            ("Sum", "GreaterThanThreshold", 0.0),
        ),
    });
    out.push(AlarmSpec {
        evaluation_periods: 3,
        ..aws(
            names.alarm("api-latency-high"),
            format!("API p95 latency above {} ms", a.api_latency_ms),
            ("AWS/ApiGateway", "Latency"),
            vec![("ApiId", Value::ApiId)],
            ("p95", "GreaterThanThreshold", f64::from(a.api_latency_ms)),
        )
    });
    for key in s.lambdas.keys() {
        out.push(aws(
            names.alarm(&format!("lambda-{key}-errors")),
            format!("{} failed", names.function(key)),
            ("AWS/Lambda", "Errors"),
            vec![("FunctionName", Value::FunctionName(key.clone()))],
            (
                "Sum",
                "GreaterThanOrEqualToThreshold",
                f64::from(a.lambda_errors_threshold),
            ),
        ));
    }
    for (key, queue) in &s.queues {
        if queue.dead_letter.is_some() {
            out.push(aws(
                names.alarm(&format!("{key}-dlq-not-empty")),
                format!("messages of {key} landed in the dead-letter queue"),
                ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
                vec![(
                    "QueueName",
                    Value::Fixed(names.dead_letter_queue(key, queue.fifo).to_string()),
                )],
                ("Maximum", "GreaterThanThreshold", 0.0),
            ));
        }
    }
    for key in s.workflows.keys() {
        out.push(aws(
            names.alarm(&format!("{key}-workflow-failed")),
            format!("a {key} workflow execution failed or timed out"),
            ("AWS/States", "ExecutionsFailed"),
            vec![("StateMachineArn", Value::StateMachineArn(key.clone()))],
            ("Sum", "GreaterThanOrEqualToThreshold", 1.0),
        ));
    }
    out
}

fn value(known: &Known, value: &Value) -> String {
    match value {
        Value::Fixed(v) => v.clone(),
        Value::TargetGroupSuffix(key) => known.target_group_suffix(key).to_owned(),
        Value::AlbSuffix => known.compute.alb_arn_suffix.clone(),
        Value::NatGroup => known.nat_instance().2.to_owned(),
        Value::NatGateway => match &known.foundation.nat {
            tradai_stack_kit::NatValues::Gateway { gateway_id } => gateway_id.clone(),
            tradai_stack_kit::NatValues::Instance { .. } => {
                panic!("the NAT is instances: no gateway upstream")
            }
        },
        Value::ApiId => known.api_id.clone(),
        Value::FunctionName(key) => known.function_name(key).to_owned(),
        Value::StateMachineArn(key) => known.state_machine_arn(key).to_owned(),
    }
}

/// Create every alarm, acting on the alerts topic (and the extra actions).
pub fn create(ctx: &Context, config: &Config, known: &Output<Known>) {
    let period = int(config.settings().alarms.period_seconds);
    for spec in alarms(config) {
        let dimensions = {
            let spec = spec.clone();
            known.map(move |known: Known| {
                spec.dimensions
                    .iter()
                    .map(|(name, v)| ((*name).to_owned(), value(&known, v)))
                    .collect::<HashMap<String, String>>()
            })
        };
        let actions = {
            let extra = spec.actions.clone();
            known.map(move |known: Known| {
                std::iter::once(known.topic_arn("alerts").to_owned())
                    .chain(extra.iter().map(|k| {
                        tradai_stack_kit::entry(&known.compute.function_arns, "function", k)
                            .to_owned()
                    }))
                    .collect::<Vec<String>>()
            })
        };
        let percentile = spec.statistic.starts_with('p');
        let builder = cloudwatch::metric_alarm::MetricAlarmArgs::builder()
            .name(spec.name.clone())
            .alarm_description(spec.description.clone())
            .namespace(spec.namespace.clone())
            .metric_name(spec.metric.clone())
            .dimensions(dimensions)
            .comparison_operator(spec.comparison)
            .threshold(spec.threshold)
            .period(period)
            .evaluation_periods(int(spec.evaluation_periods))
            .treat_missing_data(if spec.missing_data_breaches {
                "breaching"
            } else {
                "notBreaching"
            })
            .alarm_actions(actions.clone())
            .ok_actions(known.map(|known: Known| vec![known.topic_arn("alerts").to_owned()]))
            .tags(tags(config, Layer::Edge, "alarms"));
        let args = if percentile {
            builder
                .extended_statistic(spec.statistic.clone())
                .build_struct()
        } else {
            builder.statistic(spec.statistic.clone()).build_struct()
        };
        cloudwatch::metric_alarm::create(ctx, &spec.name, args);
    }
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};

    use super::*;

    fn config(env: Environment) -> Config {
        Loader::embedded()
            .without_env_vars()
            .load(env)
            .expect("valid")
    }

    #[test]
    fn the_reference_alarms_exist_with_config_thresholds() {
        let config = config(Environment::Dev);
        let alarms = alarms(&config);
        let names: Vec<&str> = alarms.iter().map(|a| a.name.as_str()).collect();
        for name in [
            "tradai-dev-backend-unhealthy",
            "tradai-dev-heartbeat-stale",
            "tradai-dev-drift-moderate",
            "tradai-dev-drift-significant",
            "tradai-dev-nat-unhealthy",
            "tradai-dev-api-latency-high",
            "tradai-dev-lambda-health-check-errors",
            "tradai-dev-backtest-dlq-not-empty",
            "tradai-dev-backtest-workflow-failed",
            "tradai-dev-jobs-stuck",
            "tradai-dev-lambda-job-sweeper-errors",
        ] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        let latency = alarms
            .iter()
            .find(|a| a.name.ends_with("api-latency-high"))
            .expect("alarm");
        assert_eq!(
            (latency.threshold, latency.statistic.as_str()),
            (2000.0, "p95")
        );
        let severe = alarms
            .iter()
            .find(|a| a.name.ends_with("drift-significant"))
            .expect("alarm");
        assert_eq!(severe.threshold, 0.25);
        assert_eq!(severe.actions, ["model-rollback"]);
        let dlq = alarms
            .iter()
            .find(|a| a.name.ends_with("backtest-dlq-not-empty"))
            .expect("alarm");
        assert_eq!(
            dlq.dimensions[0].1,
            Value::Fixed("tradai-backtest-dlq-dev.fifo".into())
        );
        // The ALB alarms cover the 3 services behind it (MLflow is internal, decision W20); 5 on the
        // platform's own metrics (stale heartbeats, two drift levels, stuck jobs) and the NAT; the API's latency;
        // one per function; one per queue's DLQ; one per workflow (backtest, retraining, hyperopt).
        assert_eq!(alarms.len(), 3 + 5 + 1 + 19 + 2 + 3);
    }

    #[test]
    fn the_nat_alarm_follows_the_nat_mode() {
        let prod = alarms(&config(Environment::Prod));
        let nat = prod
            .iter()
            .find(|a| a.name == "tradai-prod-nat-unhealthy")
            .expect("alarm");
        assert_eq!(nat.namespace, "AWS/NATGateway");
        let dev = alarms(&config(Environment::Dev));
        let nat = dev
            .iter()
            .find(|a| a.name == "tradai-dev-nat-unhealthy")
            .expect("alarm");
        assert_eq!(nat.dimensions[0].1, Value::NatGroup);
    }
}
