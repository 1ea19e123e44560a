//! The adapters behind cargo features, which only the Lambda binary enables: NAT routing on EC2 (`nat`; moto
//! does not implement Auto Scaling's CompleteLifecycleAction, so that call is covered by the handler's unit tests
//! on the in-memory twin) and Secrets Manager values (`secrets`).

#![cfg(any(feature = "nat", feature = "secrets"))]

use tradai_domain::DomainError;
use tradai_test_support::emulator;

/// A new VPC of the config's CIDR; its id.
#[cfg(feature = "nat")]
async fn vpc(ec2: &aws_sdk_ec2::Client, config: &tradai_config::Config) -> String {
    let vpc = ec2
        .create_vpc()
        .cidr_block(&config.settings().network.vpc_cidr)
        .send()
        .await
        .expect("vpc");
    vpc.vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_owned()
}

#[cfg(feature = "nat")]
#[tokio::test]
async fn default_routes_are_created_read_and_replaced() {
    use std::sync::Arc;
    use tradai_aws::Ec2NatRouting;
    use tradai_domain::ports::NatRouting;
    use tradai_domain::resilience::ResiliencePolicy;

    let (config, clients, _) = emulator::provisioned().await;
    let ec2 = aws_sdk_ec2::Client::new(&clients.sdk);
    let vpc_id = &vpc(&ec2, &config).await;
    let table = ec2
        .create_route_table()
        .vpc_id(vpc_id)
        .send()
        .await
        .expect("route table");
    let table_id = table
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("table id")
        .to_owned();
    let launched = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .min_count(2)
        .max_count(2)
        .send()
        .await
        .expect("instances");
    let ids: Vec<String> = launched
        .instances()
        .iter()
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    let (old, new) = (&ids[0], &ids[1]);

    let routing = Ec2NatRouting::new(&clients, Arc::new(ResiliencePolicy::aws("ec2")));
    assert_eq!(
        routing.default_route_target(&table_id).await.expect("read"),
        None
    );
    routing
        .set_default_route(&table_id, old, false)
        .await
        .expect("create");
    assert_eq!(
        routing.default_route_target(&table_id).await.expect("read"),
        Some(old.clone())
    );
    routing
        .set_default_route(&table_id, new, true)
        .await
        .expect("replace");
    assert_eq!(
        routing.default_route_target(&table_id).await.expect("read"),
        Some(new.clone())
    );
    assert!(
        routing
            .set_default_route(&table_id, old, false)
            .await
            .is_err(),
        "a second 0.0.0.0/0 route is refused"
    );
    assert!(matches!(
        routing.default_route_target("rtb-00000000").await,
        Err(DomainError::NotFound { .. })
    ));
    emulator::assert_declared(&clients, Ec2NatRouting::ACCESS);
}

/// The instances of an Auto Scaling group as the reconciling update-nat-routes reads them.
#[cfg(feature = "nat")]
#[tokio::test]
async fn a_group_s_instances_are_listed_with_their_lifecycle_state() {
    use std::sync::Arc;
    use tradai_aws::Ec2NatRouting;
    use tradai_domain::ports::NatRouting;
    use tradai_domain::resilience::ResiliencePolicy;

    let (config, clients, _) = emulator::provisioned().await;
    let ec2 = aws_sdk_ec2::Client::new(&clients.sdk);
    let vpc_id = &vpc(&ec2, &config).await;
    let subnet = ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .cidr_block(&config.settings().network.subnets["public-1"].cidr)
        .send()
        .await
        .expect("subnet");
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("subnet id");
    let template_name = config.names().resource("nat-lt");
    ec2.create_launch_template()
        .launch_template_name(&template_name)
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id("ami-12c6146b")
                .instance_type(aws_sdk_ec2::types::InstanceType::T4gNano)
                .build(),
        )
        .send()
        .await
        .expect("launch template");
    let group = config.names().resource("nat");
    let autoscaling = aws_sdk_autoscaling::Client::new(&clients.sdk);
    autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(&group)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name(&template_name)
                .version("$Latest")
                .build(),
        )
        .min_size(1)
        .max_size(1)
        .desired_capacity(1)
        .vpc_zone_identifier(subnet_id)
        .send()
        .await
        .expect("group");

    let routing = Ec2NatRouting::new(&clients, Arc::new(ResiliencePolicy::aws("autoscaling")));
    let instances = routing.group_instances(&group).await.expect("listed");
    assert_eq!(instances.len(), 1, "{instances:?}");
    assert_eq!(instances[0].lifecycle_state, "InService");
    assert!(instances[0].instance_id.starts_with("i-"), "{instances:?}");
    assert!(matches!(
        routing.group_instances("no-such-group").await,
        Err(DomainError::NotFound { .. })
    ));
    emulator::assert_declared(&clients, Ec2NatRouting::ACCESS);
}

/// A secret's value; a missing secret and one with no value yet are both not found, as on AWS.
#[cfg(feature = "secrets")]
#[tokio::test]
async fn secret_values_are_read_by_arn() {
    let (config, clients, _) = emulator::provisioned().await;
    let sm = aws_sdk_secretsmanager::Client::new(&clients.sdk);
    let name = config.names().secret("m2m-client-secret");
    let created = sm
        .create_secret()
        .name(&name)
        .secret_string("s3cr3t")
        .send()
        .await
        .expect("secret");
    let arn = created.arn().expect("arn");
    assert_eq!(
        tradai_aws::secret_string(&clients, arn)
            .await
            .expect("value"),
        "s3cr3t"
    );
    assert!(matches!(
        tradai_aws::secret_string(&clients, &format!("{name}-missing")).await,
        Err(DomainError::NotFound { .. })
    ));
    let empty = sm
        .create_secret()
        .name(format!("{name}-empty"))
        .send()
        .await
        .expect("empty secret");
    assert!(matches!(
        tradai_aws::secret_string(&clients, empty.arn().expect("arn")).await,
        Err(DomainError::NotFound { .. })
    ));
    emulator::assert_declared(&clients, tradai_aws::SECRETS_ACCESS);
}
