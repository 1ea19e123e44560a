//! The operations dashboard `tradai-{env}` (reference §14.1): API, ALB, services, Lambdas, queues, workflows
//! and the platform's own metrics.

use pulumi_gestalt_rust::{Context, Output};
use serde_json::{json, Value};
use tradai_config::{metrics, Config};
use tradai_pulumi_aws::cloudwatch;
use tradai_stack_kit::{served_services, Known};

fn widget(title: &str, metrics: Vec<Value>, stat: &str, region: &str) -> Value {
    json!({
        "type": "metric", "width": 12, "height": 6,
        "properties": {"title": title, "metrics": metrics, "stat": stat, "period": 300, "region": region, "view": "timeSeries"},
    })
}

/// The dashboard body for `config` with the upstream values.
pub fn body(config: &Config, known: &Known) -> String {
    let s = config.settings();
    let region = s.aws.region.as_str();
    let env = config.env().to_string();
    let names = config.names();
    let alb = known.compute.alb_arn_suffix.as_str();
    let healthy = served_services(config)
        .iter()
        .map(|key| json!(["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", known.target_group_suffix(key), "LoadBalancer", alb, {"label": key}]))
        .collect();
    let lambdas = s
        .lambdas
        .keys()
        .map(|key| json!(["AWS/Lambda", "Errors", "FunctionName", known.function_name(key), {"label": key}]))
        .collect();
    let queues = s
        .queues
        .iter()
        .flat_map(|(key, q)| {
            let main = json!(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", names.queue(key, q.fifo).to_string(), {"label": key}]);
            let dlq = q.dead_letter.as_ref().map(|_| json!(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", names.dead_letter_queue(key, q.fifo).to_string(), {"label": format!("{key} DLQ")}]));
            std::iter::once(main).chain(dlq)
        })
        .collect();
    let workflows = s
        .workflows
        .keys()
        .flat_map(|key| {
            let arn = known.state_machine_arn(key).to_owned();
            ["ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"]
                .map(|m| json!(["AWS/States", m, "StateMachineArn", arn, {"label": format!("{key} {m}")}]))
        })
        .collect();
    let platform = [
        metrics::DRIFT_PSI,
        metrics::STALE_HEARTBEATS,
        metrics::BACKTEST_TASKS_LAUNCHED,
        metrics::ORPHAN_TASKS_FOUND,
        metrics::STUCK_JOBS_SWEPT,
    ]
    .iter()
    .map(|m| {
        json!([
            metrics::NAMESPACE,
            m.name,
            metrics::ENVIRONMENT_DIMENSION,
            env
        ])
    })
    .collect();
    let widgets = vec![
        widget(
            "API requests and latency (p95)",
            vec![
                json!(["AWS/ApiGateway", "Count", "ApiId", known.api_id.as_str(), {"stat": "Sum"}]),
                json!(["AWS/ApiGateway", "Latency", "ApiId", known.api_id.as_str(), {"stat": "p95", "yAxis": "right"}]),
            ],
            "Sum",
            region,
        ),
        widget(
            "ALB requests and 5xx",
            vec![
                json!(["AWS/ApplicationELB", "RequestCount", "LoadBalancer", alb]),
                json!([
                    "AWS/ApplicationELB",
                    "HTTPCode_Target_5XX_Count",
                    "LoadBalancer",
                    alb
                ]),
            ],
            "Sum",
            region,
        ),
        widget("Healthy targets per service", healthy, "Minimum", region),
        widget("Lambda errors", lambdas, "Sum", region),
        widget("Queue depth", queues, "Maximum", region),
        widget("Workflow executions", workflows, "Sum", region),
        widget("Platform metrics", platform, "Maximum", region),
    ];
    json!({"widgets": widgets}).to_string()
}

/// Create the dashboard.
pub fn dashboard(ctx: &Context, config: &Config, known: &Output<Known>) -> Output<String> {
    let name = config.names().dashboard();
    let body = {
        let config = config.clone();
        known.map(move |known: Known| body(&config, &known))
    };
    cloudwatch::dashboard::create(
        ctx,
        &name,
        cloudwatch::dashboard::DashboardArgs::builder()
            .dashboard_name(name.clone())
            .dashboard_body(body)
            .build_struct(),
    )
    .dashboard_name
}
