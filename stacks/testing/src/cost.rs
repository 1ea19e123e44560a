//! A monthly cost estimate from a planned graph and the config: what each resource costs by the hour or month
//! at the list prices of one data file (with its source date), plus the usage the reference's cost model
//! assumes (backtests, log volume, storage). Free tiers are ignored, so the estimate errs high.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_config::Config;

use crate::plan::of_type;
use crate::Planned;

/// The price table and usage model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Prices {
    pub source: String,
    pub source_date: String,
    pub region: String,
    pub hours_per_month: f64,
    pub ec2_hourly: BTreeMap<String, f64>,
    pub rds_hourly: BTreeMap<String, f64>,
    pub rates: Rates,
    pub usage: Usage,
}

/// Unit prices in USD.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Rates {
    pub rds_storage_gb_month: f64,
    pub public_ipv4_hourly: f64,
    pub nat_gateway_hourly: f64,
    pub nat_gateway_gb: f64,
    pub alb_hourly: f64,
    pub alb_lcu_hourly: f64,
    pub interface_endpoint_az_hourly: f64,
    pub interface_endpoint_gb: f64,
    pub fargate_vcpu_hourly: f64,
    pub fargate_gb_hourly: f64,
    pub fargate_spot_factor: f64,
    pub logs_ingest_gb: f64,
    pub logs_storage_gb_month: f64,
    pub alarm_month: f64,
    pub dashboard_month: f64,
    pub secret_month: f64,
    pub waf_acl_month: f64,
    pub waf_rule_month: f64,
    pub waf_million_requests: f64,
    pub http_api_million_requests: f64,
    pub s3_gb_month: f64,
    pub ecr_gb_month: f64,
    pub sfn_thousand_transitions: f64,
}

/// Monthly usage the estimate assumes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Usage {
    pub backtests: f64,
    pub backtest_minutes: f64,
    pub workflow_transitions_per_backtest: f64,
    pub alb_lcu: f64,
    pub nat_gb: f64,
    pub endpoint_gb: f64,
    pub log_gb: f64,
    pub s3_gb: f64,
    pub ecr_gb: f64,
    pub api_million_requests: f64,
    pub dynamodb_usd: f64,
}

/// Why prices could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    #[error("the price table is not valid TOML for the expected fields: {0}")]
    Prices(#[from] toml::de::Error),
    #[error("{what} '{value}' has no price in the table (dated {date}); add it under [{table}]")]
    Unpriced {
        what: &'static str,
        value: String,
        table: &'static str,
        date: String,
    },
}

impl Prices {
    /// The bundled eu-central-1 table.
    pub fn bundled() -> Result<Prices, CostError> {
        Self::parse(include_str!("../data/prices-eu-central-1.toml"))
    }

    /// A table from TOML text.
    pub fn parse(text: &str) -> Result<Prices, CostError> {
        Ok(toml::from_str(text)?)
    }

    fn ec2(&self, instance_type: &str) -> Result<f64, CostError> {
        self.ec2_hourly
            .get(instance_type)
            .copied()
            .ok_or_else(|| CostError::Unpriced {
                what: "instance type",
                value: instance_type.to_owned(),
                table: "ec2_hourly",
                date: self.source_date.clone(),
            })
    }

    fn rds(&self, class: &str) -> Result<f64, CostError> {
        self.rds_hourly
            .get(class)
            .copied()
            .ok_or_else(|| CostError::Unpriced {
                what: "database class",
                value: class.to_owned(),
                table: "rds_hourly",
                date: self.source_date.clone(),
            })
    }
}

/// One line of the estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub area: &'static str,
    pub item: String,
    pub detail: String,
    pub monthly_usd: f64,
}

/// The whole estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub environment: String,
    pub lines: Vec<Line>,
    pub total_usd: f64,
    pub prices_source: String,
    pub prices_date: String,
}

fn number(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().unwrap_or_default(),
        Value::String(s) => s.parse().unwrap_or_default(),
        _ => 0.0,
    }
}

/// Estimate the monthly cost of `graph` (every layer of one environment).
pub fn estimate(
    graph: &[Planned],
    config: &Config,
    prices: &Prices,
) -> Result<Estimate, CostError> {
    let hours = prices.hours_per_month;
    let r = &prices.rates;
    let u = &prices.usage;
    let mut lines = Vec::new();
    let mut line = |area: &'static str, item: String, detail: String, usd: f64| {
        if usd > 0.0 {
            lines.push(Line {
                area,
                item,
                detail,
                monthly_usd: (usd * 100.0).round() / 100.0,
            });
        }
    };
    // EC2 instances: each launch template backs the auto-scaling group of the same name without `-lt`.
    for template in of_type(graph, "aws:ec2/launchTemplate:LaunchTemplate") {
        let instance_type = template.inputs["instanceType"].as_str().unwrap_or_default();
        let group_name = template.name.replace("-lt-", "-");
        let count = of_type(graph, "aws:autoscaling/group:Group")
            .find(|g| g.name == group_name)
            .map(|g| number(&g.inputs["desiredCapacity"]))
            .unwrap_or(1.0);
        let usd = count * prices.ec2(instance_type)? * hours;
        line(
            "compute",
            group_name,
            format!("{count} × {instance_type}"),
            usd,
        );
    }
    // Fargate services (on the consolidated host they cost nothing beyond the host).
    for service in of_type(graph, "aws:ecs/service:Service") {
        let provider = service.inputs["capacityProviderStrategies"][0]["capacityProvider"]
            .as_str()
            .unwrap_or_default();
        if !provider.starts_with("FARGATE") {
            continue;
        }
        let family = service.inputs["name"].as_str().unwrap_or_default();
        let Some(task) = of_type(graph, "aws:ecs/taskDefinition:TaskDefinition")
            .find(|t| t.inputs["family"] == family)
        else {
            continue;
        };
        let vcpu = number(&task.inputs["cpu"]) / 1024.0;
        let gb = number(&task.inputs["memory"]) / 1024.0;
        let count = number(&service.inputs["desiredCount"]);
        let factor = if provider == "FARGATE_SPOT" {
            r.fargate_spot_factor
        } else {
            1.0
        };
        let usd =
            count * (vcpu * r.fargate_vcpu_hourly + gb * r.fargate_gb_hourly) * hours * factor;
        line(
            "compute",
            family.to_owned(),
            format!("{count} × {vcpu} vCPU / {gb} GB on {provider}"),
            usd,
        );
    }
    // On-demand strategy tasks (backtests), sized by the config.
    if let Some(spec) = config
        .settings()
        .services
        .values()
        .find(|s| s.kind == tradai_config::ServiceKind::OnDemand)
    {
        let task_hours = u.backtests * u.backtest_minutes / 60.0;
        let factor = if spec.spot {
            r.fargate_spot_factor
        } else {
            1.0
        };
        let usd = task_hours
            * (f64::from(spec.cpu) / 1024.0 * r.fargate_vcpu_hourly
                + f64::from(spec.memory_mib) / 1024.0 * r.fargate_gb_hourly)
            * factor;
        line(
            "compute",
            "strategy tasks".into(),
            format!("{} backtests × {} min", u.backtests, u.backtest_minutes),
            usd,
        );
    }
    // Networking.
    for gateway in of_type(graph, "aws:ec2/natGateway:NatGateway") {
        let usd = r.nat_gateway_hourly * hours + u.nat_gb * r.nat_gateway_gb;
        line(
            "network",
            gateway.name.clone(),
            format!("gateway + {} GB processed", u.nat_gb),
            usd,
        );
    }
    let eips = of_type(graph, "aws:ec2/eip:Eip").count() as f64;
    line(
        "network",
        "elastic IPs".into(),
        format!("{eips} public IPv4"),
        eips * r.public_ipv4_hourly * hours,
    );
    for alb in of_type(graph, "aws:lb/loadBalancer:LoadBalancer") {
        let addresses = alb.inputs["subnets"].as_array().map_or(0, Vec::len) as f64;
        let usd = (r.alb_hourly + u.alb_lcu * r.alb_lcu_hourly + addresses * r.public_ipv4_hourly)
            * hours;
        line(
            "network",
            alb.name.clone(),
            format!("ALB, {} LCU, {addresses} public IPv4", u.alb_lcu),
            usd,
        );
    }
    let endpoint_azs: f64 = of_type(graph, "aws:ec2/vpcEndpoint:VpcEndpoint")
        .filter(|e| e.inputs["vpcEndpointType"] == "Interface")
        .map(|e| e.inputs["subnetIds"].as_array().map_or(1, Vec::len) as f64)
        .sum();
    if endpoint_azs > 0.0 {
        let usd = endpoint_azs * r.interface_endpoint_az_hourly * hours
            + u.endpoint_gb * r.interface_endpoint_gb;
        line(
            "network",
            "interface endpoints".into(),
            format!("{endpoint_azs} endpoint-AZs"),
            usd,
        );
    }
    // Database.
    for database in of_type(graph, "aws:rds/instance:Instance") {
        let class = database.inputs["instanceClass"]
            .as_str()
            .unwrap_or_default();
        let multi_az = database.inputs["multiAz"] == Value::Bool(true);
        let storage = number(&database.inputs["allocatedStorage"]);
        let usd = prices.rds(class)? * if multi_az { 2.0 } else { 1.0 } * hours
            + storage * r.rds_storage_gb_month;
        let az = if multi_az { "Multi-AZ" } else { "single-AZ" };
        line(
            "data",
            database.name.clone(),
            format!("{class} {az}, {storage} GB"),
            usd,
        );
    }
    line(
        "data",
        "S3".into(),
        format!("{} GB", u.s3_gb),
        u.s3_gb * r.s3_gb_month,
    );
    line(
        "data",
        "ECR".into(),
        format!("{} GB", u.ecr_gb),
        u.ecr_gb * r.ecr_gb_month,
    );
    line(
        "data",
        "DynamoDB".into(),
        "on-demand, reference volume".into(),
        u.dynamodb_usd,
    );
    let secrets = of_type(graph, "aws:secretsmanager/secret:Secret").count()
        + of_type(graph, "aws:rds/instance:Instance")
            .filter(|d| d.inputs["manageMasterUserPassword"] == Value::Bool(true))
            .count();
    line(
        "data",
        "secrets".into(),
        format!("{secrets} secrets"),
        secrets as f64 * r.secret_month,
    );
    // Edge and serverless.
    if of_type(graph, "aws:apigatewayv2/api:Api").next().is_some() {
        line(
            "edge",
            "HTTP API".into(),
            format!("{} M requests", u.api_million_requests),
            u.api_million_requests * r.http_api_million_requests,
        );
    }
    for acl in of_type(graph, "aws:wafv2/webAcl:WebAcl") {
        let rules = acl.inputs["ruleJson"]
            .as_str()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0) as f64;
        let usd = r.waf_acl_month
            + rules * r.waf_rule_month
            + u.api_million_requests * r.waf_million_requests;
        line(
            "edge",
            acl.name.clone(),
            format!("web ACL, {rules} rules"),
            usd,
        );
    }
    let transitions = u.backtests * u.workflow_transitions_per_backtest;
    line(
        "edge",
        "Step Functions".into(),
        format!("{transitions} transitions"),
        transitions / 1000.0 * r.sfn_thousand_transitions,
    );
    // Observability.
    let retention_months = f64::from(config.settings().logging.retention_days) / 30.0;
    line(
        "observability",
        "CloudWatch Logs".into(),
        format!(
            "{} GB/month, kept {} days",
            u.log_gb,
            config.settings().logging.retention_days
        ),
        u.log_gb * r.logs_ingest_gb + u.log_gb * retention_months * r.logs_storage_gb_month,
    );
    let alarms = of_type(graph, "aws:cloudwatch/metricAlarm:MetricAlarm").count() as f64;
    line(
        "observability",
        "alarms".into(),
        format!("{alarms} alarms"),
        alarms * r.alarm_month,
    );
    let dashboards = of_type(graph, "aws:cloudwatch/dashboard:Dashboard").count() as f64;
    line(
        "observability",
        "dashboards".into(),
        format!("{dashboards} dashboards"),
        dashboards * r.dashboard_month,
    );
    let total = lines.iter().map(|l| l.monthly_usd).sum::<f64>();
    Ok(Estimate {
        environment: config.env().to_string(),
        lines,
        total_usd: (total * 100.0).round() / 100.0,
        prices_source: prices.source.clone(),
        prices_date: prices.source_date.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_config::{Environment, Loader};

    use super::*;

    /// Round prices so the expected figures can be worked out by hand.
    const PRICES: &str = r#"
        source = "hand-made"
        source_date = "2026-01-01"
        region = "eu-central-1"
        hours_per_month = 100
        [ec2_hourly]
        "t4g.nano" = 0.01
        [rds_hourly]
        "db.t4g.micro" = 0.02
        [rates]
        rds_storage_gb_month = 0.1
        public_ipv4_hourly = 0.005
        nat_gateway_hourly = 0.05
        nat_gateway_gb = 0.05
        alb_hourly = 0.02
        alb_lcu_hourly = 0.01
        interface_endpoint_az_hourly = 0.01
        interface_endpoint_gb = 0.01
        fargate_vcpu_hourly = 0.04
        fargate_gb_hourly = 0.004
        fargate_spot_factor = 0.5
        logs_ingest_gb = 0.5
        logs_storage_gb_month = 0.03
        alarm_month = 0.1
        dashboard_month = 3.0
        secret_month = 0.4
        waf_acl_month = 5.0
        waf_rule_month = 1.0
        waf_million_requests = 0.6
        http_api_million_requests = 1.0
        s3_gb_month = 0.02
        ecr_gb_month = 0.1
        sfn_thousand_transitions = 0.025
        [usage]
        backtests = 0
        backtest_minutes = 0
        workflow_transitions_per_backtest = 0
        alb_lcu = 1.0
        nat_gb = 0
        endpoint_gb = 0
        log_gb = 0
        s3_gb = 0
        ecr_gb = 0
        api_million_requests = 0
        dynamodb_usd = 0
    "#;

    fn planned(type_: &str, name: &str, inputs: Value) -> Planned {
        Planned {
            stack: "x-dev".into(),
            type_: type_.into(),
            name: name.into(),
            inputs,
        }
    }

    #[test]
    fn a_hand_computed_graph() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let prices = Prices::parse(PRICES).expect("prices");
        let graph = vec![
            planned(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "tradai-nat-lt-dev",
                json!({"instanceType": "t4g.nano"}),
            ),
            planned(
                "aws:autoscaling/group:Group",
                "tradai-nat-dev",
                json!({"desiredCapacity": 1.0}),
            ),
            planned("aws:ec2/eip:Eip", "eip", json!({})),
            planned(
                "aws:lb/loadBalancer:LoadBalancer",
                "alb",
                json!({"subnets": ["a", "b"]}),
            ),
            planned(
                "aws:ecs/taskDefinition:TaskDefinition",
                "td",
                json!({"family": "svc", "cpu": "512", "memory": "1024"}),
            ),
            planned(
                "aws:ecs/service:Service",
                "svc",
                json!({"name": "svc", "desiredCount": 2.0, "capacityProviderStrategies": [{"capacityProvider": "FARGATE_SPOT"}]}),
            ),
            planned(
                "aws:rds/instance:Instance",
                "db",
                json!({"instanceClass": "db.t4g.micro", "multiAz": false, "allocatedStorage": 20.0, "manageMasterUserPassword": true}),
            ),
            planned("aws:cloudwatch/metricAlarm:MetricAlarm", "a1", json!({})),
            planned("aws:cloudwatch/metricAlarm:MetricAlarm", "a2", json!({})),
        ];
        let estimate = estimate(&graph, &config, &prices).expect("estimate");
        let by_item: BTreeMap<&str, f64> = estimate
            .lines
            .iter()
            .map(|l| (l.item.as_str(), l.monthly_usd))
            .collect();
        // NAT instance: 1 × 0.01 × 100 h = 1.00
        assert_eq!(by_item["tradai-nat-dev"], 1.0);
        // One elastic IP: 0.005 × 100 = 0.50
        assert_eq!(by_item["elastic IPs"], 0.5);
        // ALB: (0.02 + 1 LCU × 0.01 + 2 IPs × 0.005) × 100 = 4.00
        assert_eq!(by_item["alb"], 4.0);
        // Service: 2 × (0.5 vCPU × 0.04 + 1 GB × 0.004) × 100 × 0.5 (Spot) = 2.40
        assert_eq!(by_item["svc"], 2.4);
        // Database: 0.02 × 100 + 20 GB × 0.1 = 4.00; its managed secret 0.40
        assert_eq!(by_item["db"], 4.0);
        assert_eq!(by_item["secrets"], 0.4);
        // Alarms: 2 × 0.1
        assert_eq!(by_item["alarms"], 0.2);
        assert_eq!(estimate.total_usd, 12.5);
        assert_eq!(estimate.prices_date, "2026-01-01");
    }

    #[test]
    fn an_unpriced_instance_type_is_named() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let prices = Prices::parse(PRICES).expect("prices");
        let graph = vec![planned(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "x-lt-dev",
            json!({"instanceType": "m7i.large"}),
        )];
        let err = estimate(&graph, &config, &prices).expect_err("unpriced");
        assert_eq!(
            err.to_string(),
            "instance type 'm7i.large' has no price in the table (dated 2026-01-01); add it under [ec2_hourly]"
        );
        assert!(Prices::parse("source = 1").is_err());
        let bundled = Prices::bundled().expect("the bundled table parses");
        assert_eq!(bundled.region, "eu-central-1");
    }
}
