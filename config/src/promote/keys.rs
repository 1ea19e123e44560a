//! Which keys may move between environments.

use serde::Serialize;

/// How promotion treats a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyClass {
    /// Copied from the source environment into the target.
    Promotable,
    /// Belongs to its environment (sizes, counts, retention, protection): never copied.
    EnvironmentScoped,
    /// Must never change after the first deploy without a migration: promotion refuses to change it.
    Immutable,
}

/// Keys that must never change after the first deploy (`*` is one map key). Reference §3.2.
pub const IMMUTABLE: [&str; 10] = [
    "project.name",
    "aws.region",
    "network.vpc_cidr",
    "network.subnets.*.cidr",
    "network.subnets.*.availability_zone",
    "tables.*.partition_key",
    "tables.*.sort_key",
    "buckets.*.versioning",
    "cognito.user_pool",
    "cognito.sign_in_attributes",
];

/// Keys each environment sets for itself.
pub const ENV_SCOPED: [&str; 17] = [
    "project.pulumi_organization",
    "alb.domain_name",
    "compute.image_tag",
    "compute.mode",
    "compute.consolidated_instance_type",
    "compute.container_insights",
    "network.nat.mode",
    "network.interface_endpoints",
    "services.*.desired_count",
    "dynamodb.deletion_protection",
    "database.instance_class",
    "database.multi_az",
    "database.backup_retention_days",
    "cognito.deletion_protection",
    "cognito.callback_urls",
    "cognito.logout_urls",
    "logging.retention_days",
];

/// Whether `pattern` covers `key` (the pattern is a prefix of whole segments; `*` matches one segment).
pub fn matches(pattern: &str, key: &str) -> bool {
    let mut keys = key.split('.');
    pattern
        .split('.')
        .all(|p| keys.next().is_some_and(|k| p == "*" || p == k))
}

/// The class of a key.
pub fn classify(key: &str) -> KeyClass {
    if IMMUTABLE.iter().any(|p| matches(p, key)) {
        KeyClass::Immutable
    } else if ENV_SCOPED.iter().any(|p| matches(p, key)) {
        KeyClass::EnvironmentScoped
    } else {
        KeyClass::Promotable
    }
}

/// For an immutable key under a map entry (`tables.x.partition_key.name`), the entry's prefix (`tables.x`);
/// `None` for keys outside maps, which always exist.
pub fn owner(key: &str) -> Option<String> {
    let pattern = IMMUTABLE.iter().find(|p| matches(p, key))?;
    let depth = pattern.split('.').position(|segment| segment == "*")? + 1;
    Some(key.split('.').take(depth).collect::<Vec<_>>().join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_keys_by_segment_patterns() {
        assert_eq!(classify("network.vpc_cidr"), KeyClass::Immutable);
        assert_eq!(
            classify("network.subnets.public-1.cidr"),
            KeyClass::Immutable
        );
        assert_eq!(
            classify("tables.workflow-state.partition_key.type"),
            KeyClass::Immutable
        );
        assert_eq!(classify("tables.workflow-state.gsis"), KeyClass::Promotable);
        assert_eq!(
            classify("services.backend-api.desired_count"),
            KeyClass::EnvironmentScoped
        );
        assert_eq!(classify("services.backend-api.cpu"), KeyClass::Promotable);
        assert_eq!(classify("network.vpc_cidr_extra"), KeyClass::Promotable);
    }

    #[test]
    fn owners_are_the_map_entries_of_immutable_keys() {
        assert_eq!(owner("tables.x.sort_key.name").as_deref(), Some("tables.x"));
        assert_eq!(
            owner("network.subnets.public-1.cidr").as_deref(),
            Some("network.subnets.public-1")
        );
        assert_eq!(owner("network.vpc_cidr"), None);
        assert_eq!(owner("services.x.cpu"), None);
    }
}
