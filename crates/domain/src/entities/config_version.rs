//! Strategy config versions with content-addressed ids (`v1-a3b2c1d4`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Record, Timestamp};
use crate::ConfigVersionStatus;

/// A version of a strategy's config (`tradai-config-versions-<env>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigVersion {
    pub strategy_name: String,
    /// `v1-` + the first 8 hex digits of the SHA-256 of the canonical JSON of `config_data`.
    pub config_id: String,
    pub status: ConfigVersionStatus,
    pub config_data: Value,
    #[serde(default)]
    pub description: String,
    pub created_at: Timestamp,
    /// When it last became ACTIVE, as `<time>/<config id>` (the later stamp wins concurrent activations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated: Option<String>,
}

impl Record for ConfigVersion {
    const TABLE: &'static str = "config-versions";
}

impl ConfigVersion {
    /// A DRAFT version whose id derives from its content.
    pub fn draft(
        strategy_name: String,
        config_data: Value,
        description: String,
        now: Timestamp,
    ) -> Self {
        ConfigVersion {
            config_id: Self::content_id(&config_data),
            strategy_name,
            status: ConfigVersionStatus::Draft,
            config_data,
            description,
            created_at: now,
            activated: None,
        }
    }

    /// The content address of `data`: equal data (whatever its key order) gives an equal id.
    pub fn content_id(data: &Value) -> String {
        let digest = Sha256::digest(canonical(data).as_bytes());
        let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("v1-{hex}")
    }
}

/// JSON with object keys sorted at every level.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::from(k.as_str()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_content_gives_an_equal_id_whatever_the_key_order() {
        let a = json!({"stake_amount": 1000, "pairs": ["BTC/USDT"], "nested": {"b": 1, "a": 2}});
        let b: Value = serde_json::from_str(
            r#"{"nested":{"a":2,"b":1},"pairs":["BTC/USDT"],"stake_amount":1000}"#,
        )
        .expect("json");
        let id = ConfigVersion::content_id(&a);
        assert_eq!(id, ConfigVersion::content_id(&b));
        assert!(id.starts_with("v1-") && id.len() == 11, "{id}");
        assert_ne!(
            id,
            ConfigVersion::content_id(&json!({"stake_amount": 1001}))
        );
    }
}
