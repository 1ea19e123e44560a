//! promote-model (§10.2 #7, §10.3): the given or newest Staging version to Production, the previous
//! Production version archived (the rules of `tradai_domain::promotion`). With nothing staged it answers
//! `promoted: false`; promoting the Production version again answers `already_promoted: true`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::ModelRegistry;
use tradai_domain::{promotion, DomainError, ModelStage};

use crate::input::{blank, Text};
use crate::registry::Handler;
use crate::HandlerError;

/// The model, and the version to promote (the newest Staging one when absent).
#[derive(Debug, Clone, Deserialize)]
pub struct Input {
    pub model_name: Text,
    #[serde(default, deserialize_with = "blank")]
    pub new_version: Option<String>,
    /// compare-models' confidence, echoed.
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// Promoted, or why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Output {
    Promoted {
        promoted: bool,
        model_name: String,
        new_version: String,
        new_stage: &'static str,
        archived_version: Option<String>,
        confidence: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        already_promoted: Option<bool>,
    },
    NotPromoted {
        promoted: bool,
        model_name: String,
        reason: String,
    },
}

fn not_promoted(model: &str, reason: String) -> Output {
    Output::NotPromoted {
        promoted: false,
        model_name: model.to_owned(),
        reason,
    }
}

/// promote-model over the model registry.
#[derive(Clone)]
pub struct PromoteModel {
    pub registry: Arc<dyn ModelRegistry>,
}

crate::handler_debug!(PromoteModel);

impl Handler for PromoteModel {
    const FUNCTION: Function = Function::PromoteModel;
    type Input = Input;
    type Output = Output;
    type Settings = ();

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        _settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        // Over the platform's model registry.
        Ok(PromoteModel {
            registry: ports.registry.clone(),
        })
    }

    async fn handle(&self, input: Input, _now: Timestamp) -> Result<Output, HandlerError> {
        let registry = self.registry.as_ref();
        let model = input.model_name.as_str();
        let requested = input.new_version.as_deref();
        let versions = registry.versions(model).await?;
        let already = requested
            .and_then(|v| versions.iter().find(|x| x.version == v))
            .is_some_and(|v| v.stage == ModelStage::Production);
        if requested.is_none() && !versions.iter().any(|v| v.stage == ModelStage::Staging) {
            return Ok(not_promoted(model, "No Staging version found".into()));
        }
        match promotion::promote(registry, model, requested).await {
            Ok(outcome) => Ok(Output::Promoted {
                promoted: true,
                model_name: model.to_owned(),
                new_version: outcome.promoted.version,
                new_stage: "Production",
                archived_version: outcome.archived.first().cloned(),
                confidence: input.confidence.unwrap_or(0.0),
                already_promoted: already.then_some(true),
            }),
            Err(DomainError::Conflict(reason)) => Ok(not_promoted(model, reason)),
            Err(other) => Err(other.into()),
        }
    }
}

#[cfg(test)]
mod tests {

    use tradai_memory::MemoryModelRegistry;

    use serde_json::{json, Value};

    use super::*;

    async fn handle(
        registry: &Arc<MemoryModelRegistry>,
        input: &Value,
    ) -> Result<Value, HandlerError> {
        let handler = PromoteModel {
            registry: registry.clone(),
        };
        crate::registry::data(&handler, input.clone()).await
    }

    /// Model `M` with `versions` unstaged versions.
    async fn with_versions(versions: usize) -> Arc<MemoryModelRegistry> {
        crate::testing::registry_with(&["M"], &vec![ModelStage::None; versions]).await
    }

    #[tokio::test]
    async fn promotes_the_newest_staging_version_and_is_idempotent() {
        let registry = with_versions(3).await;
        assert_eq!(
            handle(&registry, &json!({"model_name": "M"}))
                .await
                .expect("nothing staged")["reason"],
            "No Staging version found"
        );
        registry
            .set_stage("M", "1", ModelStage::Production)
            .await
            .expect("stage");
        registry
            .set_stage("M", "2", ModelStage::Staging)
            .await
            .expect("stage");
        registry
            .set_stage("M", "3", ModelStage::Staging)
            .await
            .expect("stage");
        let answer = handle(&registry, &json!({"model_name": "M", "confidence": 0.8}))
            .await
            .expect("promote");
        assert_eq!(
            answer,
            json!({"promoted": true, "model_name": "M", "new_version": "3", "new_stage": "Production", "archived_version": "1", "confidence": 0.8})
        );
        let again = handle(&registry, &json!({"model_name": "M", "new_version": "3"}))
            .await
            .expect("again");
        assert_eq!(
            (
                again["promoted"].clone(),
                again["already_promoted"].clone(),
                again["archived_version"].clone()
            ),
            (json!(true), json!(true), Value::Null)
        );
        let restored = handle(&registry, &json!({"model_name": "M", "new_version": "1"}))
            .await
            .expect("restore");
        assert_eq!(
            (
                restored["promoted"].clone(),
                restored["archived_version"].clone()
            ),
            (json!(true), json!("3")),
            "Archived → Production is allowed"
        );
        let fresh = with_versions(1).await;
        let conflict = handle(&fresh, &json!({"model_name": "M", "new_version": "1"}))
            .await
            .expect("an answer");
        assert_eq!(
            conflict["promoted"], false,
            "None cannot jump to Production: {conflict}"
        );
        assert!(matches!(
            handle(&registry, &json!({"model_name": "Nope"})).await,
            Err(HandlerError::Dependency(DomainError::NotFound { .. }))
        ));
    }
}
