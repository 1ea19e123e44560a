//! The NAT-routing port on EC2 (route tables) and Auto Scaling (lifecycle actions), for update-nat-routes.

use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use tradai_domain::ports::{GroupInstance, LifecycleAction, LifecycleResult, NatRouting};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::{domain_error, Clients};

const ANYWHERE: &str = "0.0.0.0/0";

/// Route tables through EC2, lifecycle actions through Auto Scaling.
#[derive(Debug, Clone)]
pub struct Ec2NatRouting {
    ec2: aws_sdk_ec2::Client,
    autoscaling: aws_sdk_autoscaling::Client,
    policy: Arc<ResiliencePolicy>,
}

impl Ec2NatRouting {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::NAT_ROUTES, &access::NAT_LIFECYCLE];

    /// Clients from `clients`' shared configuration.
    pub fn new(clients: &Clients, policy: Arc<ResiliencePolicy>) -> Self {
        Ec2NatRouting {
            ec2: crate::client!(aws_sdk_ec2, clients),
            autoscaling: crate::client!(aws_sdk_autoscaling, clients),
            policy,
        }
    }
}

#[async_trait]
impl NatRouting for Ec2NatRouting {
    async fn default_route_target(&self, route_table: &str) -> Result<Option<String>> {
        let output = self
            .policy
            .protect(|| async {
                self.ec2
                    .describe_route_tables()
                    .route_table_ids(route_table)
                    .send()
                    .await
                    .map_err(|e| {
                        match e.as_service_error().and_then(|s| {
                            aws_sdk_ec2::error::ProvideErrorMetadata::code(s)
                                .map(|c| c == "InvalidRouteTableID.NotFound")
                        }) {
                            Some(true) => DomainError::not_found("route table", route_table),
                            _ => domain_error("ec2", e),
                        }
                    })
            })
            .await?;
        let table = output
            .route_tables()
            .first()
            .ok_or_else(|| DomainError::not_found("route table", route_table))?;
        Ok(table
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some(ANYWHERE))
            .and_then(|r| {
                r.instance_id()
                    .or(r.nat_gateway_id())
                    .or(r.network_interface_id())
                    .or(r.gateway_id())
                    .map(str::to_owned)
            }))
    }

    async fn set_default_route(
        &self,
        route_table: &str,
        instance_id: &str,
        replace: bool,
    ) -> Result<()> {
        if replace {
            // Replacing is idempotent, so it may be retried.
            self.policy
                .protect(|| async {
                    self.ec2
                        .replace_route()
                        .route_table_id(route_table)
                        .destination_cidr_block(ANYWHERE)
                        .instance_id(instance_id)
                        .send()
                        .await
                        .map_err(|e| domain_error("ec2", e))
                })
                .await?;
        } else {
            self.ec2
                .create_route()
                .route_table_id(route_table)
                .destination_cidr_block(ANYWHERE)
                .instance_id(instance_id)
                .send()
                .await
                .map_err(|e| domain_error("ec2", e))?;
        }
        Ok(())
    }

    async fn group_instances(&self, group: &str) -> Result<Vec<GroupInstance>> {
        let output = self
            .policy
            .protect(|| async {
                self.autoscaling
                    .describe_auto_scaling_groups()
                    .auto_scaling_group_names(group)
                    .send()
                    .await
                    .map_err(|e| domain_error("autoscaling", e))
            })
            .await?;
        let found = output
            .auto_scaling_groups()
            .first()
            .ok_or_else(|| DomainError::not_found("Auto Scaling group", group))?;
        Ok(found
            .instances()
            .iter()
            .filter_map(|i| {
                Some(GroupInstance {
                    instance_id: i.instance_id()?.to_owned(),
                    lifecycle_state: i.lifecycle_state()?.as_str().to_owned(),
                })
            })
            .collect())
    }

    async fn complete_lifecycle(
        &self,
        action: &LifecycleAction,
        result: LifecycleResult,
    ) -> Result<()> {
        self.policy
            .protect(|| async {
                self.autoscaling
                    .complete_lifecycle_action()
                    .auto_scaling_group_name(&action.group)
                    .lifecycle_hook_name(&action.hook)
                    .instance_id(&action.instance_id)
                    .set_lifecycle_action_token(action.token.clone())
                    .lifecycle_action_result(result.as_str())
                    .send()
                    .await
                    .map_err(|e| domain_error("autoscaling", e))
            })
            .await?;
        Ok(())
    }
}
