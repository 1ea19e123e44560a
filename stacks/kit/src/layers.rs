//! The typed outputs of each layer: the layer exports the struct, the next layer reads the same struct through a
//! StackReference. Both sides use the key names defined here, so a field cannot be renamed on one side only.

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};

use crate::Upstream;

fn key(prefix: &str, name: &str) -> String {
    format!("{prefix}_{}", name.replace('-', "_"))
}

/// What the persistent layer exports (keyed maps follow the config's keys).
pub struct PersistentOutputs {
    pub tables: BTreeMap<String, Output<String>>,
    pub buckets: BTreeMap<String, Output<String>>,
    pub ecr_urls: BTreeMap<String, Output<String>>,
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
    /// Every export key for `config`.
    pub fn keys(config: &Config) -> Vec<String> {
        let s = config.settings();
        let tables = s.tables.keys().map(|k| key("table", k));
        let buckets = s.buckets.keys().map(|k| key("bucket", k));
        let repos = config
            .ecr_repositories()
            .into_iter()
            .map(|r| key("ecr", &r.key));
        tables
            .chain(buckets)
            .chain(repos)
            .chain(PERSISTENT_SCALARS.iter().map(|k| (*k).to_owned()))
            .collect()
    }

    /// Export every field.
    pub fn export(&self, ctx: &Context) {
        let maps = [
            ("table", &self.tables),
            ("bucket", &self.buckets),
            ("ecr", &self.ecr_urls),
        ];
        for (prefix, map) in maps {
            for (name, value) in map {
                ctx.add_export(&key(prefix, name), value);
            }
        }
        let scalars = [
            &self.user_pool_id,
            &self.user_pool_arn,
            &self.public_client_id,
            &self.m2m_client_id,
            &self.trail_arn,
            &self.pulumi_state_bucket_name,
        ];
        for (name, value) in PERSISTENT_SCALARS.iter().zip(scalars) {
            ctx.add_export(name, value);
        }
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
            user_pool_id: upstream.get("user_pool_id"),
            user_pool_arn: upstream.get("user_pool_arn"),
            public_client_id: upstream.get("public_client_id"),
            m2m_client_id: upstream.get("m2m_client_id"),
            trail_arn: upstream.get("trail_arn"),
            pulumi_state_bucket_name: upstream.get("pulumi_state_bucket_name"),
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
        assert_eq!(keys.len(), 12 + 5 + 24 + 6);
        assert!(keys.contains(&"table_workflow_state".to_owned()));
        assert!(keys.contains(&"ecr_lambda_health_check".to_owned()));
    }
}
