//! Foundation layer, run after persistent and reading its exports through a StackReference.

use serde_json::{json, Map, Value};
use tradai_config::{Environment, Layer, Loader};

use crate::{graph, of_type, run_after_persistent};

/// Six subnets with the configured CIDRs and AZs in a VPC with DNS; public routes to the IGW.
#[tokio::test]
async fn network_matches_the_config() {
    let config = Loader::embedded()
        .without_env_vars()
        .load(Environment::Dev)
        .expect("valid");
    let run = run_after_persistent(Layer::Foundation, Environment::Dev).await;
    let vpc = of_type(&run, "aws:ec2/vpc:Vpc");
    assert_eq!(vpc.len(), 1);
    assert_eq!(
        (
            vpc[0].inputs["cidrBlock"].clone(),
            vpc[0].inputs["enableDnsHostnames"].clone()
        ),
        (json!("10.0.0.0/16"), json!(true))
    );
    let subnets = of_type(&run, "aws:ec2/subnet:Subnet");
    assert_eq!(subnets.len(), 6);
    for (key, spec) in &config.settings().network.subnets {
        let subnet = subnets
            .iter()
            .find(|s| s.name == config.names().resource(key))
            .unwrap_or_else(|| panic!("subnet {key}"));
        assert_eq!(subnet.inputs["cidrBlock"], json!(spec.cidr));
        assert_eq!(
            subnet.inputs["availabilityZone"],
            json!(spec.availability_zone)
        );
    }
    let routes = of_type(&run, "aws:ec2/route:Route");
    assert!(
        routes
            .iter()
            .any(|r| r.inputs["destinationCidrBlock"] == "0.0.0.0/0"
                && r.inputs["gatewayId"].is_string()),
        "public default route to the IGW"
    );
    assert_eq!(
        of_type(&run, "aws:ec2/routeTableAssociation:RouteTableAssociation").len(),
        6
    );
}

/// dev: a t4g.nano NAT instance in an ASG of one, IMDSv2 required, lifecycle hook, EventBridge rule.
#[tokio::test]
async fn nat_instance_in_dev() {
    let run = run_after_persistent(Layer::Foundation, Environment::Dev).await;
    let template = of_type(&run, "aws:ec2/launchTemplate:LaunchTemplate");
    assert_eq!(template.len(), 1);
    assert_eq!(template[0].inputs["instanceType"], "t4g.nano");
    assert_eq!(
        template[0].inputs["metadataOptions"]["httpTokens"],
        "required"
    );
    assert!(template[0].inputs["imageId"]
        .as_str()
        .is_some_and(|id| id.contains("al2023-ami-kernel-default-arm64")));
    let group = of_type(&run, "aws:autoscaling/group:Group");
    assert_eq!(
        (
            group[0].inputs["minSize"].clone(),
            group[0].inputs["maxSize"].clone(),
            group[0].inputs["desiredCapacity"].clone()
        ),
        (json!(1.0), json!(1.0), json!(1.0))
    );
    // The launching hook is the group's own, so it holds the first launch too (decision W29).
    assert!(of_type(&run, "aws:autoscaling/lifecycleHook:LifecycleHook").is_empty());
    let hook = &group[0].inputs["initialLifecycleHooks"][0];
    assert_eq!(
        (
            hook["lifecycleTransition"].clone(),
            hook["heartbeatTimeout"].clone()
        ),
        (json!("autoscaling:EC2_INSTANCE_LAUNCHING"), json!(300.0))
    );
    assert_eq!(of_type(&run, "aws:cloudwatch/eventRule:EventRule").len(), 1);
    assert!(of_type(&run, "aws:ec2/natGateway:NatGateway").is_empty());
}

/// prod: a NAT gateway and a private default route to it, no NAT instance.
#[tokio::test]
async fn nat_gateway_in_prod() {
    let run = run_after_persistent(Layer::Foundation, Environment::Prod).await;
    assert_eq!(of_type(&run, "aws:ec2/natGateway:NatGateway").len(), 1);
    assert!(of_type(&run, "aws:ec2/launchTemplate:LaunchTemplate").is_empty());
    let routes = of_type(&run, "aws:ec2/route:Route");
    assert!(routes
        .iter()
        .any(|r| r.inputs["natGatewayId"].is_string()
            && r.inputs["destinationCidrBlock"] == "0.0.0.0/0"));
    let database = of_type(&run, "aws:rds/instance:Instance");
    assert_eq!(
        (
            database[0].inputs["instanceClass"].clone(),
            database[0].inputs["multiAz"].clone()
        ),
        (json!("db.t4g.medium"), json!(true))
    );
}

/// The FIFO backtest queue redrives to its DLQ after 3 receives; topics and the database follow the config.
#[tokio::test]
async fn queues_topics_and_database() {
    let run = run_after_persistent(Layer::Foundation, Environment::Staging).await;
    let queues = of_type(&run, "aws:sqs/queue:Queue");
    assert_eq!(queues.len(), 4);
    let backtest = queues
        .iter()
        .find(|q| q.name == "tradai-backtest-staging.fifo")
        .expect("queue");
    assert_eq!(backtest.inputs["fifoQueue"], json!(true));
    let redrive: Value =
        serde_json::from_str(backtest.inputs["redrivePolicy"].as_str().expect("redrive"))
            .expect("json");
    assert_eq!(redrive["maxReceiveCount"], json!(3));
    assert!(redrive["deadLetterTargetArn"]
        .as_str()
        .is_some_and(|arn| arn.starts_with("arn:aws:sqs:")));
    let topics: Vec<_> = of_type(&run, "aws:sns/topic:Topic")
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(
        topics,
        ["tradai-alerts-staging", "tradai-registration-staging"]
    );
    let database = of_type(&run, "aws:rds/instance:Instance");
    assert_eq!(database[0].inputs["engineVersion"], "15.13");
    assert_eq!(database[0].inputs["manageMasterUserPassword"], json!(true));
    let rotation = of_type(&run, "aws:secretsmanager/secretRotation:SecretRotation");
    assert_eq!(
        rotation[0].inputs["rotationRules"]["automaticallyAfterDays"],
        json!(30.0)
    );
}

/// Security groups: only the ALB accepts 0.0.0.0/0, on 80 and 443; endpoints and flow logs exist.
#[tokio::test]
async fn security_endpoints_and_flow_logs() {
    let run = run_after_persistent(Layer::Foundation, Environment::Dev).await;
    assert_eq!(
        of_type(&run, "aws:ec2/securityGroup:SecurityGroup").len(),
        7
    );
    for rule in of_type(
        &run,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ) {
        if rule.inputs["cidrIpv4"] == "0.0.0.0/0" {
            assert!(
                rule.name.contains("-alb-in-"),
                "{} is open to the internet",
                rule.name
            );
            assert!([json!(80.0), json!(443.0)].contains(&rule.inputs["fromPort"]));
        }
    }
    let endpoints = of_type(&run, "aws:ec2/vpcEndpoint:VpcEndpoint");
    assert_eq!(
        endpoints
            .iter()
            .filter(|e| e.inputs["vpcEndpointType"] == "Gateway")
            .count(),
        2
    );
    assert_eq!(
        endpoints
            .iter()
            .filter(|e| e.inputs["vpcEndpointType"] == "Interface")
            .count(),
        0,
        "dev reaches AWS APIs through the NAT instance"
    );
    let prod = run_after_persistent(Layer::Foundation, Environment::Prod).await;
    assert_eq!(
        of_type(&prod, "aws:ec2/vpcEndpoint:VpcEndpoint")
            .iter()
            .filter(|e| e.inputs["vpcEndpointType"] == "Interface")
            .count(),
        9
    );
    let dynamodb = endpoints
        .iter()
        .find(|e| e.inputs["serviceName"] == "com.amazonaws.eu-central-1.dynamodb")
        .expect("dynamodb endpoint");
    assert!(
        dynamodb.inputs["policy"]
            .as_str()
            .is_some_and(|p| p.contains("table/tradai-workflow-state-dev")),
        "the endpoint policy names persistent's tables"
    );
    assert_eq!(of_type(&run, "aws:ec2/flowLog:FlowLog").len(), 1);
    assert_eq!(of_type(&run, "aws:ec2/networkAcl:NetworkAcl").len(), 3);
}

/// Without persistent's exports the foundation run fails, naming the missing stack.
#[tokio::test]
async fn a_missing_upstream_fails_the_run() {
    let schema = crate::schema();
    let run = tradai_stack_testing::run(tradai_stack_testing::RunSpec {
        program: std::path::Path::new(env!("CARGO_BIN_EXE_tradai-pulumi")),
        project: "tradai",
        stack: "foundation-dev",
        organization: "organization",
        config: Map::new(),
        references: Map::new(),
        schema: &schema,
        region: "eu-central-1",
        dry_run: false,
        config_dir: None,
    })
    .await
    .expect("runs");
    assert!(!run.success);
    assert!(
        run.stderr.contains("organization/tradai/persistent-dev"),
        "{}",
        run.stderr
    );
}

/// The foundation graph of every environment, pinned.
#[tokio::test]
async fn resource_graph_snapshots() {
    for env in Environment::ALL {
        let run = run_after_persistent(Layer::Foundation, env).await;
        insta::assert_json_snapshot!(format!("foundation_{env}"), graph(&run));
    }
}

/// The layer exports exactly the keys of `FoundationOutputs` (with the NAT names only in instance mode).
#[tokio::test]
async fn exports_are_the_typed_outputs() {
    for env in [Environment::Dev, Environment::Prod] {
        let config = Loader::embedded()
            .without_env_vars()
            .load(env)
            .expect("valid");
        let run = run_after_persistent(Layer::Foundation, env).await;
        let mut exported: Vec<String> = run.recording.exports.keys().cloned().collect();
        let mut expected = tradai_stack_kit::FoundationOutputs::keys(&config);
        exported.sort();
        expected.sort();
        assert_eq!(exported, expected, "{env}");
    }
}
