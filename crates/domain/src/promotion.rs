//! Model promotion over the registry port (reference §12.3): stage, promote with the previous Production
//! version archived, and rollback to an archived version. Every move is checked against the `ModelStage`
//! lifecycle before the registry is touched; promoting the version already in Production changes nothing
//! (the promote-model Lambda relies on that).

use serde::{Deserialize, Serialize};

use crate::entities::ModelVersion;
use crate::ports::ModelRegistry;
use crate::{DomainError, ModelStage, Result};

/// The outcome of a promotion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promotion {
    pub promoted: ModelVersion,
    /// Versions that left Production for Archived.
    pub archived: Vec<String>,
}

/// The outcome of a rollback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollback {
    pub model_name: String,
    pub from_version: String,
    pub to_version: String,
}

fn pick<'a>(versions: &'a [ModelVersion], model: &str, version: &str) -> Result<&'a ModelVersion> {
    versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| DomainError::not_found("model version", format!("{model} v{version}")))
}

fn newest_in(versions: &[ModelVersion], stage: ModelStage) -> Option<&ModelVersion> {
    // `versions` lists newest first.
    versions.iter().find(|v| v.stage == stage)
}

/// Move `version` of `model` to Staging.
pub async fn stage(
    registry: &dyn ModelRegistry,
    model: &str,
    version: &str,
) -> Result<ModelVersion> {
    let versions = registry.versions(model).await?;
    let target = pick(&versions, model, version)?;
    if target.stage == ModelStage::Staging {
        return Ok(target.clone());
    }
    target.with_stage(ModelStage::Staging)?;
    registry
        .set_stage(model, version, ModelStage::Staging)
        .await
}

/// Promote `version` (default: the newest Staging version) to Production, then archive the versions that
/// were in Production.
pub async fn promote(
    registry: &dyn ModelRegistry,
    model: &str,
    version: Option<&str>,
) -> Result<Promotion> {
    let versions = registry.versions(model).await?;
    let target = match version {
        Some(version) => pick(&versions, model, version)?,
        None => newest_in(&versions, ModelStage::Staging).ok_or_else(|| {
            DomainError::Conflict(format!(
                "{model} has no Staging version to promote; stage one first"
            ))
        })?,
    };
    if target.stage == ModelStage::Production {
        return Ok(Promotion {
            promoted: target.clone(),
            archived: Vec::new(),
        });
    }
    target.with_stage(ModelStage::Production)?;
    let promoted = registry
        .set_stage(model, &target.version, ModelStage::Production)
        .await?;
    let mut archived = Vec::new();
    for old in versions
        .iter()
        .filter(|v| v.stage == ModelStage::Production)
    {
        registry
            .set_stage(model, &old.version, ModelStage::Archived)
            .await?;
        archived.push(old.version.clone());
    }
    Ok(Promotion { promoted, archived })
}

/// Archived versions a rollback may restore, newest first.
pub async fn rollback_candidates(
    registry: &dyn ModelRegistry,
    model: &str,
) -> Result<Vec<ModelVersion>> {
    let versions = registry.versions(model).await?;
    Ok(versions
        .into_iter()
        .filter(|v| v.stage == ModelStage::Archived)
        .collect())
}

/// Restore `to` (default: the newest archived version) to Production and archive the current Production
/// version.
pub async fn rollback(
    registry: &dyn ModelRegistry,
    model: &str,
    to: Option<&str>,
) -> Result<Rollback> {
    let versions = registry.versions(model).await?;
    let current = newest_in(&versions, ModelStage::Production).ok_or_else(|| {
        DomainError::Conflict(format!(
            "{model} has no Production version to roll back from"
        ))
    })?;
    let target = match to {
        Some(version) => {
            let target = pick(&versions, model, version)?;
            if target.stage != ModelStage::Archived {
                return Err(DomainError::Conflict(format!(
                    "{model} v{version} is {}, not Archived; only archived versions can be restored",
                    target.stage
                )));
            }
            target
        }
        None => newest_in(&versions, ModelStage::Archived).ok_or_else(|| {
            DomainError::Conflict(format!("{model} has no archived version to roll back to"))
        })?,
    };
    registry
        .set_stage(model, &target.version, ModelStage::Production)
        .await?;
    registry
        .set_stage(model, &current.version, ModelStage::Archived)
        .await?;
    Ok(Rollback {
        model_name: model.to_owned(),
        from_version: current.version.clone(),
        to_version: target.version.clone(),
    })
}
