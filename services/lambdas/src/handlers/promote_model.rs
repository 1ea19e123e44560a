//! promote-model (§10.2 #7, §10.3): the given or newest Staging version to Production, the previous
//! Production version archived (the rules of `tradai_domain::promotion`). With nothing staged it answers
//! `promoted: false`; promoting the Production version again answers `already_promoted: true`.

use serde_json::{json, Value};
use tradai_domain::ports::ModelRegistry;
use tradai_domain::{promotion, DomainError, ModelStage};

use crate::{optional, text, HandlerError};

/// Promote; the `data` of the answer.
pub async fn handle(registry: &dyn ModelRegistry, input: &Value) -> Result<Value, HandlerError> {
    let model = text(input, "model_name")?;
    let requested = optional(input, "new_version");
    let versions = registry.versions(model).await?;
    let already = requested
        .and_then(|v| versions.iter().find(|x| x.version == v))
        .is_some_and(|v| v.stage == ModelStage::Production);
    if requested.is_none() && !versions.iter().any(|v| v.stage == ModelStage::Staging) {
        return Ok(
            json!({"promoted": false, "model_name": model, "reason": "No Staging version found"}),
        );
    }
    match promotion::promote(registry, model, requested).await {
        Ok(outcome) => {
            let mut answer = json!({
                "promoted": true,
                "model_name": model,
                "new_version": outcome.promoted.version,
                "new_stage": "Production",
                "archived_version": outcome.archived.first(),
                "confidence": input["confidence"].as_f64().unwrap_or(0.0),
            });
            if already {
                answer["already_promoted"] = json!(true);
            }
            Ok(answer)
        }
        Err(DomainError::Conflict(reason)) => {
            Ok(json!({"promoted": false, "model_name": model, "reason": reason}))
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradai_domain::ports::{NewRun, NewVersion};
    use tradai_memory::MemoryModelRegistry;

    use super::*;

    async fn with_versions(versions: usize) -> MemoryModelRegistry {
        let registry = MemoryModelRegistry::new();
        let run = registry
            .log_run(NewRun {
                experiment_name: "e".into(),
                ..NewRun::default()
            })
            .await
            .expect("run");
        for _ in 0..versions {
            let new = NewVersion {
                model_name: "M".into(),
                source: "s3://m".into(),
                run_id: Some(run.run_id.clone()),
                tags: BTreeMap::new(),
            };
            registry.register(new).await.expect("register");
        }
        registry
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
