//! Strategy config version lifecycle (reference §12.5).

use serde::{Deserialize, Serialize};

use super::{names, Lifecycle};

/// Status of a config version in `tradai-config-versions-<env>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConfigVersionStatus {
    /// Created, not used by default.
    Draft,
    /// The strategy's default config.
    Active,
    /// Retired.
    Deprecated,
}

names!(ConfigVersionStatus { Draft => "DRAFT", Active => "ACTIVE", Deprecated => "DEPRECATED" });

impl Lifecycle for ConfigVersionStatus {
    const NAME: &'static str = "config version";
    const ALL: &'static [Self] = &[Self::Draft, Self::Active, Self::Deprecated];

    fn next(self) -> &'static [Self] {
        match self {
            // A draft may be abandoned without ever being active.
            Self::Draft => &[Self::Active, Self::Deprecated],
            Self::Active => &[Self::Deprecated],
            Self::Deprecated => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_activate_and_deprecated_is_final() {
        super::super::laws::check::<ConfigVersionStatus>();
        assert!(!ConfigVersionStatus::Active.can_transition_to(ConfigVersionStatus::Draft));
        assert!(ConfigVersionStatus::Deprecated.is_terminal());
    }
}
