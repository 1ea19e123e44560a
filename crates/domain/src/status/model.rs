//! Model registry stage (reference §12.3; the MLflow stages).

use serde::{Deserialize, Serialize};

use super::{names, Lifecycle};

/// Stage of a model version in the MLflow registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelStage {
    /// Registered, not staged ("Unversioned" in some pages).
    None,
    /// Under test.
    Staging,
    /// Serving.
    Production,
    /// Retired; a rollback may restore it.
    Archived,
}

names!(ModelStage { None => "None", Staging => "Staging", Production => "Production", Archived => "Archived" });

impl Lifecycle for ModelStage {
    const NAME: &'static str = "model version";
    const ALL: &'static [Self] = &[Self::None, Self::Staging, Self::Production, Self::Archived];

    fn next(self) -> &'static [Self] {
        match self {
            Self::None => &[Self::Staging, Self::Archived],
            Self::Staging => &[Self::Production, Self::Archived],
            Self::Production => &[Self::Archived],
            // Rollback re-promotes an archived version.
            Self::Archived => &[Self::Production],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_goes_through_staging_and_rollback_restores_archived_versions() {
        super::super::laws::check::<ModelStage>();
        assert!(!ModelStage::None.can_transition_to(ModelStage::Production));
        assert!(ModelStage::Staging.can_transition_to(ModelStage::Production));
        assert!(ModelStage::Archived.can_transition_to(ModelStage::Production));
        assert_eq!(
            serde_json::to_string(&ModelStage::Production).expect("json"),
            "\"Production\""
        );
    }
}
