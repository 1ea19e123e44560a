//! Task definitions for every row of the SERVICES table, and an ECS service (registered in Cloud Map and, when
//! served, behind its target group) for each always-on one. Fargate mode runs tasks on Fargate or Fargate Spot
//! with their own interfaces (A records); consolidated mode runs the always-on services on the one EC2 host in
//! host networking (SRV records), decision I15. On-demand and per-strategy tasks always run on Fargate.

use std::sync::Arc;

use pulumi_gestalt_rust::{Context, Output};
use serde_json::{json, Value};
use tradai_config::{ComputeMode, Config, Layer, ServiceKind, ServiceSpec};
use tradai_pulumi_aws::types::{ecs as ecs_types, servicediscovery as sd_types};
use tradai_pulumi_aws::{ecs, servicediscovery};
use tradai_stack_kit::{int, tags, Known};

use crate::balancer::Balancer;
use crate::cluster::Cluster;
use crate::roles::Roles;

/// The container health check of our distroless service images: the binary probes its own health route
/// (`tradai_service_kit::probe`); a service of another image names its own (`services.<key>.health_command`).
const SELF_PROBE: [&str; 3] = ["CMD", "/usr/local/bin/app", "--health-check"];

/// The ports every always-on service of ours runs on when deployed (its default is the in-memory ones).
const DEPLOYED_ADAPTERS: &str = "aws";

/// The container name a task of `key` runs (the workflows and consumers override `strategy`).
pub fn container_name(key: &str, spec: &ServiceSpec) -> String {
    match spec.kind {
        ServiceKind::OnDemand => "strategy".to_owned(),
        _ => key.to_owned(),
    }
}

/// Whether `key` runs on the consolidated host (always-on services in consolidated mode).
fn on_host(config: &Config, spec: &ServiceSpec) -> bool {
    config.settings().compute.mode == ComputeMode::ConsolidatedEc2
        && spec.kind == ServiceKind::AlwaysOn
}

/// The container definitions document of service `key`.
pub fn container_definitions(config: &Config, known: &Known, key: &str) -> String {
    let s = config.settings();
    let spec = &s.services[key];
    let names = config.names();
    let image = match &spec.ecr_repository {
        Some(repo) => format!("{}:{}", known.ecr_url(repo), s.compute.image_tag),
        None => unreachable!("config validation gives every container a repository"),
    };
    let ours = spec.is_ours();
    let mut environment = vec![
        ("ENVIRONMENT", config.env().to_string()),
        ("SERVICE_NAME", key.to_owned()),
        ("AWS_REGION", s.aws.region.clone()),
        (
            "COGNITO_USER_POOL_ID",
            known.persistent.user_pool_id.as_str().to_owned(),
        ),
        (
            "COGNITO_CLIENT_IDS",
            format!(
                "{},{}",
                known.persistent.public_client_id.as_str(),
                known.persistent.m2m_client_id.as_str()
            ),
        ),
    ];
    // Our binaries reach each other by Cloud Map names (tradai_discovery resolves A or SRV records); an image
    // of another vendor (MLflow) calls none of them.
    for (variable, service) in [
        ("DATA_COLLECTION_URL", "data-collection"),
        ("STRATEGY_SERVICE_URL", "strategy-service"),
        ("MLFLOW_TRACKING_URI", "mlflow"),
    ] {
        if let Some(url) = config.service_url(service).filter(|_| ours) {
            environment.push((variable, url));
        }
    }
    if ours && spec.kind == ServiceKind::AlwaysOn {
        environment.push(("SERVICE_ADAPTERS", DEPLOYED_ADAPTERS.to_owned()));
    }
    let mut secrets = Vec::new();
    if key == "mlflow" {
        environment.push((
            "DB_HOST",
            known.foundation.database_endpoint.as_str().to_owned(),
        ));
        environment.push(("DB_NAME", s.database.database_name.clone()));
        environment.push(("ARTIFACT_ROOT", format!("s3://{}/", known.bucket("mlflow"))));
        for (variable, field) in [("DB_USERNAME", "username"), ("DB_PASSWORD", "password")] {
            secrets.push(json!({"name": variable, "valueFrom": format!("{}:{field}::", known.foundation.database_secret_arn.as_str())}));
        }
    }
    let mut container = json!({
        "name": container_name(key, spec),
        "image": image,
        "essential": true,
        "cpu": spec.cpu,
        "memory": spec.memory_mib,
        "environment": environment.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
        "secrets": secrets,
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": names.ecs_log_group(),
            "awslogs-region": s.aws.region,
            "awslogs-stream-prefix": names.ecs_log_stream_prefix(key),
        }},
        "readonlyRootFilesystem": false,
    });
    if let Some(port) = spec.port {
        // awsvpc and host networking both publish the container port itself.
        container["portMappings"] =
            json!([{"containerPort": port, "hostPort": port, "protocol": "tcp"}]);
    }
    if on_host(config, spec) {
        if let Some(reservation) = spec.memory_reservation_mib {
            container["memoryReservation"] = json!(reservation);
        }
    }
    if spec.port.is_some() && spec.health_path.is_some() {
        let command = match &spec.health_command {
            Some(command) => command.clone(),
            None => SELF_PROBE.map(str::to_owned).to_vec(),
        };
        container["healthCheck"] = json!({
            "command": command,
            "interval": 30, "timeout": 5, "retries": 3,
            "startPeriod": spec.health_check_grace_seconds.unwrap_or(30),
        });
    }
    Value::Array(vec![container]).to_string()
}

/// Create the task definitions, and the services with their Cloud Map entries.
pub fn services(
    ctx: &Context,
    config: &Arc<Config>,
    known: &Output<Known>,
    roles: &Roles,
    cluster: &Cluster,
    balancer: &Balancer,
) {
    let names = config.names();
    let s = config.settings();
    for (key, spec) in &s.services {
        // Nothing builds its image yet (a per-strategy service without `build`): a task definition would only
        // fail to pull.
        if spec.build.is_none() {
            continue;
        }
        let component = config.service_component(key).unwrap_or(key).to_owned();
        let family = names.ecs_service(&component);
        let host = on_host(config, spec);
        let definitions = {
            let config = Arc::clone(config);
            let key = key.clone();
            known.map(move |known: Known| container_definitions(&config, &known, &key))
        };
        let task = ecs::task_definition::create(
            ctx,
            &family,
            ecs::task_definition::TaskDefinitionArgs::builder()
                .family(family.clone())
                .container_definitions(definitions)
                .network_mode(if host { "host" } else { "awsvpc" })
                .requires_compatibilities(vec![if host { "EC2" } else { "FARGATE" }.to_owned()])
                .cpu(spec.cpu.to_string())
                // On the host, ECS places by the containers' reservations; Fargate needs the task's size.
                .maybe_memory((!host).then(|| spec.memory_mib.to_string()))
                .execution_role_arn(roles.execution.arn.clone())
                .task_role_arn(if spec.kind == ServiceKind::AlwaysOn {
                    roles.services.arn.clone()
                } else {
                    roles.strategy.arn.clone()
                })
                .tags(tags(config, Layer::Compute, &component))
                .build_struct(),
        );
        if spec.kind != ServiceKind::AlwaysOn {
            continue;
        }
        let records = if host {
            vec![sd_types::ServiceDnsConfigDnsRecord::builder()
                .ttl(10.0)
                .type_("SRV")
                .build_struct()]
        } else {
            vec![sd_types::ServiceDnsConfigDnsRecord::builder()
                .ttl(10.0)
                .type_("A")
                .build_struct()]
        };
        let discovery = servicediscovery::service::create(
            ctx,
            &format!("{family}-discovery"),
            servicediscovery::service::ServiceArgs::builder()
                .name(key.clone())
                .dns_config(cluster.namespace_id.map(move |namespace| {
                    sd_types::ServiceDnsConfig::builder()
                        .namespace_id(namespace)
                        .dns_records(records.clone())
                        .routing_policy("MULTIVALUE")
                        .build_struct()
                }))
                .health_check_custom_config(
                    sd_types::ServiceHealthCheckCustomConfig::builder()
                        .failure_threshold(1)
                        .build_struct(),
                )
                .tags(tags(config, Layer::Compute, &component))
                .build_struct(),
        );
        let container = container_name(key, spec);
        let port = spec.port.unwrap_or_default();
        let registry = {
            let container = container.clone();
            discovery.arn.map(move |arn| {
                let registry = ecs_types::ServiceServiceRegistries::builder().registry_arn(arn);
                if host {
                    registry
                        .container_name(container.clone())
                        .container_port(int(port))
                        .build_struct()
                } else {
                    registry.build_struct()
                }
            })
        };
        let strategy_provider = match (&cluster.host_provider, host, spec.spot) {
            (Some(provider), true, _) => provider.clone(),
            (_, _, true) => ctx.new_output(&"FARGATE_SPOT".to_owned()),
            _ => ctx.new_output(&"FARGATE".to_owned()),
        };
        let load_balancers = balancer.target_groups.get(key).map(|group| {
            let container = container.clone();
            group.arn.map(move |arn| {
                vec![ecs_types::ServiceLoadBalancer::builder()
                    .target_group_arn(arn)
                    .container_name(container.clone())
                    .container_port(f64::from(port))
                    .build_struct()]
            })
        });
        let network = (!host).then(|| {
            known.map(|k: Known| {
                ecs_types::ServiceNetworkConfiguration::builder()
                    .subnets(k.foundation.private_subnet_ids.clone())
                    .security_groups(vec![k.foundation.security_groups.ecs.clone()])
                    .assign_public_ip(false)
                    .build_struct()
            })
        });
        ecs::service::create(
            ctx,
            &format!("{family}-service"),
            ecs::service::ServiceArgs::builder()
                .name(family.clone())
                .cluster(cluster.arn.clone())
                .task_definition(task.arn)
                .desired_count(int(spec.desired_count))
                .capacity_provider_strategies(strategy_provider.map(|provider| {
                    vec![ecs_types::ServiceCapacityProviderStrategy::builder()
                        .capacity_provider(provider)
                        .weight(1)
                        .build_struct()]
                }))
                .maybe_network_configuration(network)
                .maybe_load_balancers(load_balancers)
                .service_registries(registry)
                .health_check_grace_period_seconds(int(spec
                    .health_check_grace_seconds
                    .unwrap_or(60)))
                // One host cannot run the old and the new task on the same port at once.
                .deployment_minimum_healthy_percent(if host { 0 } else { 100 })
                .deployment_maximum_percent(if host { 100 } else { 200 })
                .deployment_circuit_breaker(
                    ecs_types::ServiceDeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build_struct(),
                )
                .propagate_tags("SERVICE")
                .enable_ecs_managed_tags(true)
                .tags(tags(config, Layer::Compute, &component))
                .build_struct(),
        );
    }
}
