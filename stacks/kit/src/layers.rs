//! The typed outputs of each layer: the layer exports the struct, the next layer reads the same struct through a
//! StackReference. Both sides use the key names defined here, so a field cannot be renamed on one side only.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};

use crate::Upstream;

/// The security-group roles of the foundation layer: the five of the reference, plus one for the interface
/// endpoints' network interfaces and one for the API Gateway VPC link's interfaces.
pub const SECURITY_ROLES: [&str; 7] = ["alb", "ecs", "lambda", "rds", "nat", "endpoints", "api"];

pub(crate) fn key(prefix: &str, name: &str) -> String {
    format!("{prefix}_{}", name.replace('-', "_"))
}

/// What the persistent layer exports (keyed maps follow the config's keys).
pub struct PersistentOutputs {
    pub tables: BTreeMap<String, Output<String>>,
    pub buckets: BTreeMap<String, Output<String>>,
    pub ecr_urls: BTreeMap<String, Output<String>>,
    /// Secrets Manager secrets the Lambdas reference (`${secret:<name>}`), created empty for operators to fill.
    pub secret_arns: BTreeMap<String, Output<String>>,
    pub user_pool_id: Output<String>,
    pub user_pool_arn: Output<String>,
    pub public_client_id: Output<String>,
    pub m2m_client_id: Output<String>,
    pub trail_arn: Output<String>,
    pub pulumi_state_bucket_name: Output<String>,
}

impl std::fmt::Debug for PersistentOutputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistentOutputs")
            .field("tables", &self.tables.keys())
            .field("buckets", &self.buckets.keys())
            .field("ecr_urls", &self.ecr_urls.keys())
            .finish_non_exhaustive()
    }
}

/// Scalar exports of the persistent layer.
const PERSISTENT_SCALARS: [&str; 6] = [
    "user_pool_id",
    "user_pool_arn",
    "public_client_id",
    "m2m_client_id",
    "trail_arn",
    "pulumi_state_bucket_name",
];

impl PersistentOutputs {
    fn scalars(&self) -> [&Output<String>; 6] {
        [
            &self.user_pool_id,
            &self.user_pool_arn,
            &self.public_client_id,
            &self.m2m_client_id,
            &self.trail_arn,
            &self.pulumi_state_bucket_name,
        ]
    }

    /// Every export key for `config`.
    pub fn keys(config: &Config) -> Vec<String> {
        let s = config.settings();
        let tables = s.tables.keys().map(|k| key("table", k));
        let buckets = s.buckets.keys().map(|k| key("bucket", k));
        let repos = config
            .ecr_repositories()
            .into_iter()
            .map(|r| key("ecr", &r.key));
        let secrets = config
            .lambda_secrets()
            .into_iter()
            .map(|s| key("secret_arn", &s));
        tables
            .chain(buckets)
            .chain(repos)
            .chain(secrets)
            .chain(PERSISTENT_SCALARS.iter().map(|k| (*k).to_owned()))
            .collect()
    }

    /// Export every field.
    pub fn export(&self, ctx: &Context) {
        let maps = [
            ("table", &self.tables),
            ("bucket", &self.buckets),
            ("ecr", &self.ecr_urls),
            ("secret_arn", &self.secret_arns),
        ];
        for (prefix, map) in maps {
            for (name, value) in map {
                ctx.add_export(&key(prefix, name), value);
            }
        }
        for (name, value) in PERSISTENT_SCALARS.iter().zip(self.scalars()) {
            ctx.add_export(name, value);
        }
    }

    /// Every value, once known.
    pub fn values(&self, ctx: &Context) -> Output<crate::PersistentValues> {
        let maps = [
            &self.tables,
            &self.buckets,
            &self.ecr_urls,
            &self.secret_arns,
        ];
        let keys: Vec<Vec<String>> = maps.iter().map(|m| m.keys().cloned().collect()).collect();
        let mut outputs: Vec<&Output<String>> = self.scalars().to_vec();
        outputs.extend(maps.iter().flat_map(|m| m.values()));
        crate::gather(ctx, &outputs, move |g| crate::PersistentValues {
            user_pool_id: g.value(),
            user_pool_arn: g.value(),
            public_client_id: g.value(),
            m2m_client_id: g.value(),
            trail_arn: g.value(),
            pulumi_state_bucket_name: g.value(),
            tables: g.map(&keys[0]),
            buckets: g.map(&keys[1]),
            ecr_urls: g.map(&keys[2]),
            secret_arns: g.map(&keys[3]),
        })
    }

    /// Read the persistent layer of this environment through its StackReference.
    pub fn read(ctx: &Context, config: &Config) -> Self {
        let upstream = Upstream::read(ctx, config, Layer::Persistent);
        let map = |prefix: &str, names: Vec<String>| {
            names
                .into_iter()
                .map(|n| (n.clone(), upstream.get(&key(prefix, &n))))
                .collect()
        };
        let s = config.settings();
        PersistentOutputs {
            tables: map("table", s.tables.keys().cloned().collect()),
            buckets: map("bucket", s.buckets.keys().cloned().collect()),
            ecr_urls: map(
                "ecr",
                config
                    .ecr_repositories()
                    .into_iter()
                    .map(|r| r.key)
                    .collect(),
            ),
            secret_arns: map("secret_arn", config.lambda_secrets()),
            user_pool_id: upstream.get("user_pool_id"),
            user_pool_arn: upstream.get("user_pool_arn"),
            public_client_id: upstream.get("public_client_id"),
            m2m_client_id: upstream.get("m2m_client_id"),
            trail_arn: upstream.get("trail_arn"),
            pulumi_state_bucket_name: upstream.get("pulumi_state_bucket_name"),
        }
    }
}

/// What the foundation layer exports. Subnet id lists are comma-joined; keyed maps follow the config's keys and
/// the security-group roles.
pub struct FoundationOutputs {
    pub vpc_id: Output<String>,
    pub public_subnet_ids: Output<String>,
    pub private_subnet_ids: Output<String>,
    pub database_subnet_ids: Output<String>,
    pub private_route_table_id: Output<String>,
    pub security_group_ids: BTreeMap<String, Output<String>>,
    pub database_endpoint: Output<String>,
    pub database_secret_arn: Output<String>,
    pub queue_urls: BTreeMap<String, Output<String>>,
    pub queue_arns: BTreeMap<String, Output<String>>,
    pub topic_arns: BTreeMap<String, Output<String>>,
    /// NAT instance mode only: the EventBridge rule and lifecycle hook the update-nat-routes Lambda serves, and
    /// the auto-scaling group (for the NAT alarm).
    pub nat_launch_rule_name: Option<Output<String>>,
    pub nat_lifecycle_hook_name: Option<Output<String>>,
    pub nat_group_name: Option<Output<String>>,
    /// NAT gateway mode only: the gateway (for the NAT alarm).
    pub nat_gateway_id: Option<Output<String>>,
}

impl std::fmt::Debug for FoundationOutputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoundationOutputs")
            .field("security_group_ids", &self.security_group_ids.keys())
            .field("queue_urls", &self.queue_urls.keys())
            .finish_non_exhaustive()
    }
}

/// Scalar exports of the foundation layer.
const FOUNDATION_SCALARS: [&str; 7] = [
    "vpc_id",
    "public_subnet_ids",
    "private_subnet_ids",
    "database_subnet_ids",
    "private_route_table_id",
    "database_endpoint",
    "database_secret_arn",
];
/// Exports of the NAT instance mode.
const NAT_INSTANCE: [&str; 3] = [
    "nat_launch_rule_name",
    "nat_lifecycle_hook_name",
    "nat_group_name",
];
/// Exports of the NAT gateway mode.
const NAT_GATEWAY: [&str; 1] = ["nat_gateway_id"];

impl FoundationOutputs {
    fn scalars(&self) -> [&Output<String>; 7] {
        [
            &self.vpc_id,
            &self.public_subnet_ids,
            &self.private_subnet_ids,
            &self.database_subnet_ids,
            &self.private_route_table_id,
            &self.database_endpoint,
            &self.database_secret_arn,
        ]
    }

    /// The NAT exports with their names (only those of the configured mode are `Some`).
    fn nat(&self) -> impl Iterator<Item = (&&'static str, &Option<Output<String>>)> {
        NAT_INSTANCE.iter().chain(NAT_GATEWAY.iter()).zip([
            &self.nat_launch_rule_name,
            &self.nat_lifecycle_hook_name,
            &self.nat_group_name,
            &self.nat_gateway_id,
        ])
    }

    /// Every export key for `config`.
    pub fn keys(config: &Config) -> Vec<String> {
        let s = config.settings();
        let mut keys: Vec<String> = FOUNDATION_SCALARS.iter().map(|k| (*k).to_owned()).collect();
        keys.extend(
            SECURITY_ROLES
                .iter()
                .map(|r| format!("{r}_security_group_id")),
        );
        keys.extend(
            s.queues
                .keys()
                .flat_map(|q| [key("queue_url", q), key("queue_arn", q)]),
        );
        keys.extend(s.topics.keys().map(|t| key("topic_arn", t)));
        let nat = match s.network.nat.mode {
            tradai_config::NatMode::Instance => &NAT_INSTANCE[..],
            tradai_config::NatMode::Gateway => &NAT_GATEWAY[..],
        };
        keys.extend(nat.iter().map(|k| (*k).to_owned()));
        keys
    }

    /// Export every field.
    pub fn export(&self, ctx: &Context) {
        for (name, value) in FOUNDATION_SCALARS.iter().zip(self.scalars()) {
            ctx.add_export(name, value);
        }
        for (role, id) in &self.security_group_ids {
            ctx.add_export(&format!("{role}_security_group_id"), id);
        }
        for (prefix, map) in [
            ("queue_url", &self.queue_urls),
            ("queue_arn", &self.queue_arns),
            ("topic_arn", &self.topic_arns),
        ] {
            for (name, value) in map {
                ctx.add_export(&key(prefix, name), value);
            }
        }
        for (name, value) in self.nat() {
            if let Some(value) = value {
                ctx.add_export(name, value);
            }
        }
    }

    /// Every value, once known (subnet lists split).
    pub fn values(&self, ctx: &Context) -> Output<crate::FoundationValues> {
        let maps = [
            &self.security_group_ids,
            &self.queue_urls,
            &self.queue_arns,
            &self.topic_arns,
        ];
        let keys: Vec<Vec<String>> = maps.iter().map(|m| m.keys().cloned().collect()).collect();
        let nat: Vec<&Output<String>> = self.nat().filter_map(|(_, v)| v.as_ref()).collect();
        let instance = self.nat_gateway_id.is_none();
        let mut outputs: Vec<&Output<String>> = self.scalars().to_vec();
        outputs.extend(maps.iter().flat_map(|m| m.values()));
        outputs.extend(nat);
        crate::gather(ctx, &outputs, move |g| {
            let list = |text: String| -> Vec<String> {
                text.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let (vpc_id, public, private, database) = (g.value(), g.value(), g.value(), g.value());
            let (route_table, endpoint, secret) = (g.value(), g.value(), g.value());
            let mut security_groups = crate::SecurityGroups::default();
            for (role, id) in g.map(&keys[0]) {
                if let Some(slot) = security_groups.role_mut(&role) {
                    *slot = id;
                }
            }
            let (queue_urls, queue_arns, topic_arns) =
                (g.map(&keys[1]), g.map(&keys[2]), g.map(&keys[3]));
            let nat = if instance {
                crate::NatValues::Instance {
                    launch_rule_name: g.value(),
                    lifecycle_hook_name: g.value(),
                    group_name: g.value(),
                }
            } else {
                crate::NatValues::Gateway {
                    gateway_id: g.value(),
                }
            };
            crate::FoundationValues {
                vpc_id,
                public_subnet_ids: list(public),
                private_subnet_ids: list(private),
                database_subnet_ids: list(database),
                private_route_table_id: route_table,
                security_groups,
                database_endpoint: endpoint,
                database_secret_arn: secret,
                queue_urls,
                queue_arns,
                topic_arns,
                nat,
            }
        })
    }

    /// Read the foundation layer of this environment through its StackReference.
    pub fn read(ctx: &Context, config: &Config) -> Self {
        let upstream = Upstream::read(ctx, config, Layer::Foundation);
        let s = config.settings();
        let map = |prefix: &str, names: Vec<&String>| {
            names
                .into_iter()
                .map(|n| (n.clone(), upstream.get(&key(prefix, n))))
                .collect()
        };
        let instance = s.network.nat.mode == tradai_config::NatMode::Instance;
        FoundationOutputs {
            vpc_id: upstream.get("vpc_id"),
            public_subnet_ids: upstream.get("public_subnet_ids"),
            private_subnet_ids: upstream.get("private_subnet_ids"),
            database_subnet_ids: upstream.get("database_subnet_ids"),
            private_route_table_id: upstream.get("private_route_table_id"),
            security_group_ids: SECURITY_ROLES
                .iter()
                .map(|r| {
                    (
                        (*r).to_owned(),
                        upstream.get(&format!("{r}_security_group_id")),
                    )
                })
                .collect(),
            database_endpoint: upstream.get("database_endpoint"),
            database_secret_arn: upstream.get("database_secret_arn"),
            queue_urls: map("queue_url", s.queues.keys().collect()),
            queue_arns: map("queue_arn", s.queues.keys().collect()),
            topic_arns: map("topic_arn", s.topics.keys().collect()),
            nat_launch_rule_name: instance.then(|| upstream.get("nat_launch_rule_name")),
            nat_lifecycle_hook_name: instance.then(|| upstream.get("nat_lifecycle_hook_name")),
            nat_group_name: instance.then(|| upstream.get("nat_group_name")),
            nat_gateway_id: (!instance).then(|| upstream.get("nat_gateway_id")),
        }
    }
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};

    use super::*;

    #[test]
    fn persistent_keys_cover_tables_buckets_repositories_and_scalars() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let keys = PersistentOutputs::keys(&config);
        // 12 tables, 5 buckets, 26 repositories, 1 secret (the machine client's), 6 scalars.
        assert_eq!(keys.len(), 12 + 5 + 26 + 1 + 6);
        assert!(!keys.contains(&"secret_arn_pulumi_passphrase".to_owned()));
        assert!(keys.contains(&"secret_arn_m2m_client_secret".to_owned()));
        assert!(keys.contains(&"table_workflow_state".to_owned()));
        assert!(keys.contains(&"ecr_lambda_health_check".to_owned()));
    }
}
