//! ECS task runner.

use std::sync::Arc;

use aws_config::Region;
use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, NetworkMode};
use tradai_aws::{EcsTaskRunner, TaskNetwork};
use tradai_config::Config;
use tradai_domain::resilience::ResiliencePolicy;
use tradai_test_support::{contracts, emulator};

/// The VPC, first private subnet and a security group of the config, as the foundation stack would create them
/// (Fargate tasks need a real subnet, also in the emulator).
async fn network(config: &Config) -> TaskNetwork {
    let sdk = tradai_aws::loader()
        .region(Region::new(config.settings().aws.region.clone()))
        .endpoint_url(emulator::endpoint())
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let net = &config.settings().network;
    let vpc = ec2
        .create_vpc()
        .cidr_block(&net.vpc_cidr)
        .send()
        .await
        .expect("vpc");
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_owned();
    // As the foundation stack does (reference §4.1); moto also needs it to name a Fargate task's interface.
    let on = aws_sdk_ec2::types::AttributeBooleanValue::builder()
        .value(true)
        .build();
    ec2.modify_vpc_attribute()
        .vpc_id(&vpc_id)
        .enable_dns_hostnames(on)
        .send()
        .await
        .expect("dns hostnames");
    let private = &net.subnets["private-1"];
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block(&private.cidr)
        .availability_zone(&private.availability_zone)
        .send()
        .await
        .expect("subnet");
    let group = ec2
        .create_security_group()
        .vpc_id(&vpc_id)
        .group_name(config.names().resource("ecs-sg"))
        .description("ECS tasks")
        .send()
        .await
        .expect("security group");
    TaskNetwork {
        subnets: vec![subnet
            .subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_owned()],
        security_groups: vec![group.group_id().expect("group id").to_owned()],
    }
}

/// Run with tags, list by tag and starter, stop, in the config's cluster with the generic strategy task.
#[tokio::test]
async fn task_runner_on_ecs() {
    let (config, clients, _) = emulator::provisioned().await;
    let names = config.names();
    clients
        .ecs
        .create_cluster()
        .cluster_name(names.ecs_cluster())
        .send()
        .await
        .expect("cluster");
    let spec = &config.settings().services["strategy-container"];
    let family = names.ecs_service(
        config
            .service_component("strategy-container")
            .expect("service"),
    );
    let container = ContainerDefinition::builder()
        .name("strategy")
        .image("tradai/strategy:latest")
        .cpu(i32::try_from(spec.cpu).expect("cpu"))
        .memory(i32::try_from(spec.memory_mib).expect("memory"))
        .build();
    clients
        .ecs
        .register_task_definition()
        .family(&family)
        .container_definitions(container)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu(spec.cpu.to_string())
        .memory(spec.memory_mib.to_string())
        .send()
        .await
        .expect("task definition");
    emulator::forget_calls(&clients);
    let runner = EcsTaskRunner::new(
        clients.ecs.clone(),
        &config,
        Some(network(&config).await),
        Arc::new(ResiliencePolicy::aws("ecs")),
    );
    contracts::task_runner(&runner, &family).await;
    emulator::assert_declared(&clients, EcsTaskRunner::ACCESS);
}
