//! The upstream layers' exports as plain values, typed as the layers export them, gathered into one output so a
//! layer can build documents (policies, definitions, environments) from many of them in one closure. A field is
//! read by name (`known.foundation.security_groups.lambda`), so a renamed export fails to compile; the keyed
//! maps follow the config's keys, which config validation ties to what references them.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use serde::{Deserialize, Serialize};

/// The persistent layer's exports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistentValues {
    pub tables: BTreeMap<String, String>,
    pub buckets: BTreeMap<String, String>,
    pub ecr_urls: BTreeMap<String, String>,
    pub secret_arns: BTreeMap<String, String>,
    pub user_pool_id: String,
    pub user_pool_arn: String,
    pub public_client_id: String,
    pub m2m_client_id: String,
    pub trail_arn: String,
    pub pulumi_state_bucket_name: String,
}

/// The security groups of the foundation layer, one per role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroups {
    pub alb: String,
    pub ecs: String,
    pub lambda: String,
    pub rds: String,
    pub nat: String,
    pub endpoints: String,
    pub api: String,
}

impl SecurityGroups {
    /// The group of `role` (one of [`crate::SECURITY_ROLES`]).
    pub fn role_mut(&mut self, role: &str) -> Option<&mut String> {
        Some(match role {
            "alb" => &mut self.alb,
            "ecs" => &mut self.ecs,
            "lambda" => &mut self.lambda,
            "rds" => &mut self.rds,
            "nat" => &mut self.nat,
            "endpoints" => &mut self.endpoints,
            "api" => &mut self.api,
            _ => return None,
        })
    }
}

/// The NAT of the configured mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NatValues {
    /// NAT instances: the EventBridge rule and lifecycle hook update-nat-routes serves, and the group.
    Instance {
        launch_rule_name: String,
        lifecycle_hook_name: String,
        group_name: String,
    },
    /// A NAT gateway.
    Gateway { gateway_id: String },
}

impl Default for NatValues {
    fn default() -> Self {
        NatValues::Gateway {
            gateway_id: String::new(),
        }
    }
}

/// The foundation layer's exports (subnet lists split).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundationValues {
    pub vpc_id: String,
    pub public_subnet_ids: Vec<String>,
    pub private_subnet_ids: Vec<String>,
    pub database_subnet_ids: Vec<String>,
    pub private_route_table_id: String,
    pub security_groups: SecurityGroups,
    pub database_endpoint: String,
    pub database_secret_arn: String,
    pub queue_urls: BTreeMap<String, String>,
    pub queue_arns: BTreeMap<String, String>,
    pub topic_arns: BTreeMap<String, String>,
    pub nat: NatValues,
}

/// The compute layer's exports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputeValues {
    pub alb_arn: String,
    pub alb_arn_suffix: String,
    pub alb_dns_name: String,
    pub https_listener_arn: String,
    pub cluster_name: String,
    pub cluster_arn: String,
    pub namespace_id: String,
    pub target_group_arn_suffixes: BTreeMap<String, String>,
    pub function_arns: BTreeMap<String, String>,
    pub function_names: BTreeMap<String, String>,
    pub state_machine_arns: BTreeMap<String, String>,
}

/// What a layer knows from upstream (and, in the edge layer, the HTTP API it created before its alarms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    pub persistent: PersistentValues,
    pub foundation: FoundationValues,
    /// The compute layer's exports (the edge layer).
    pub compute: ComputeValues,
    /// The edge layer's HTTP API id, once created.
    pub api_id: String,
}

/// `map[key]`: the keys of an upstream map are the config's keys, and config validation checks every
/// reference to them, so a miss is a bug in the stack program: it names the map and the key.
pub fn entry<'a>(map: &'a BTreeMap<String, String>, what: &str, key: &str) -> &'a str {
    map.get(key).map(String::as_str).unwrap_or_else(|| {
        panic!(
            "no {what} '{key}' upstream (known: {:?})",
            map.keys().collect::<Vec<_>>()
        )
    })
}

impl Known {
    /// The AWS account, the fifth field of the user pool's ARN.
    pub fn account(&self) -> &str {
        self.persistent
            .user_pool_arn
            .split(':')
            .nth(4)
            .unwrap_or_default()
    }

    /// The name of table `key`.
    pub fn table(&self, key: &str) -> &str {
        entry(&self.persistent.tables, "table", key)
    }

    /// The name of bucket `key`.
    pub fn bucket(&self, key: &str) -> &str {
        entry(&self.persistent.buckets, "bucket", key)
    }

    /// The URL of ECR repository `key`.
    pub fn ecr_url(&self, key: &str) -> &str {
        entry(&self.persistent.ecr_urls, "ECR repository", key)
    }

    /// The ARN of secret `name`.
    pub fn secret_arn(&self, name: &str) -> &str {
        entry(&self.persistent.secret_arns, "secret", name)
    }

    /// The URL of queue `key`.
    pub fn queue_url(&self, key: &str) -> &str {
        entry(&self.foundation.queue_urls, "queue", key)
    }

    /// The ARN of queue `key`.
    pub fn queue_arn(&self, key: &str) -> &str {
        entry(&self.foundation.queue_arns, "queue", key)
    }

    /// The ARN of topic `key`.
    pub fn topic_arn(&self, key: &str) -> &str {
        entry(&self.foundation.topic_arns, "topic", key)
    }

    /// The `targetgroup/<name>/<id>` of service `key` behind the ALB.
    pub fn target_group_suffix(&self, key: &str) -> &str {
        entry(&self.compute.target_group_arn_suffixes, "target group", key)
    }

    /// The name of Lambda `key`.
    pub fn function_name(&self, key: &str) -> &str {
        entry(&self.compute.function_names, "function", key)
    }

    /// The ARN of state machine `key`.
    pub fn state_machine_arn(&self, key: &str) -> &str {
        entry(&self.compute.state_machine_arns, "state machine", key)
    }
}

/// Rebuilds a values struct from outputs gathered in a fixed order: scalars by [`Gather::value`], keyed maps
/// by [`Gather::map`] with the same keys in the same order as they were added.
#[derive(Debug)]
pub struct Gather(std::vec::IntoIter<String>);

impl Gather {
    /// The next value.
    pub fn value(&mut self) -> String {
        self.0.next().unwrap_or_default()
    }

    /// The next values, one per key.
    pub fn map(&mut self, keys: &[String]) -> BTreeMap<String, String> {
        keys.iter().map(|k| (k.clone(), self.value())).collect()
    }
}

/// One output of `build(values)` once every output in `outputs` is known.
pub fn gather<T: Send + Sync + Clone + Serialize + serde::de::DeserializeOwned + 'static>(
    ctx: &Context,
    outputs: &[&Output<String>],
    build: impl Fn(&mut Gather) -> T + Send + Sync + 'static,
) -> Output<T> {
    let outputs: Vec<Output<String>> = outputs.iter().map(|o| (*o).clone()).collect();
    crate::collect(ctx, &outputs)
        .map(move |values: Vec<String>| build(&mut Gather(values.into_iter())))
}

/// A list field of `known` as its own output.
pub fn known_list(
    known: &Output<Known>,
    field: impl Fn(&Known) -> &[String] + Send + Sync + 'static,
) -> Output<Vec<String>> {
    known.map(move |k: Known| field(&k).to_vec())
}

/// A field of `known` as its own output.
pub fn known_value(
    known: &Output<Known>,
    field: impl Fn(&Known) -> &str + Send + Sync + 'static,
) -> Output<String> {
    known.map(move |k: Known| field(&k).to_owned())
}

impl Known {
    /// The persistent and foundation layers' values, once known.
    pub fn upstream(
        ctx: &Context,
        persistent: &crate::PersistentOutputs,
        foundation: &crate::FoundationOutputs,
    ) -> Output<Known> {
        pulumi_gestalt_rust::pulumi_combine!(persistent.values(ctx), foundation.values(ctx)).map(
            |(persistent, foundation): (PersistentValues, FoundationValues)| Known {
                persistent,
                foundation,
                ..Known::default()
            },
        )
    }

    /// `known` with the compute layer's values.
    pub fn with_compute(
        known: &Output<Known>,
        ctx: &Context,
        compute: &crate::ComputeOutputs,
    ) -> Output<Known> {
        pulumi_gestalt_rust::pulumi_combine!(known.clone(), compute.values(ctx))
            .map(|(known, compute): (Known, ComputeValues)| Known { compute, ..known })
    }

    /// `known` with the edge layer's HTTP API.
    pub fn with_api(known: &Output<Known>, api_id: &Output<String>) -> Output<Known> {
        pulumi_gestalt_rust::pulumi_combine!(known.clone(), api_id.clone())
            .map(|(known, api_id): (Known, String)| Known { api_id, ..known })
    }
}

impl Known {
    /// The NAT instances' `(launch rule, lifecycle hook, group)`; only the instance mode has them (config
    /// validation admits the functions and references that use them only in that mode).
    pub fn nat_instance(&self) -> (&str, &str, &str) {
        match &self.foundation.nat {
            NatValues::Instance {
                launch_rule_name,
                lifecycle_hook_name,
                group_name,
            } => (launch_rule_name, lifecycle_hook_name, group_name),
            NatValues::Gateway { .. } => {
                panic!("the NAT is a gateway: no launch rule, lifecycle hook or group upstream")
            }
        }
    }
}
