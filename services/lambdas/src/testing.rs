//! Test fixtures shared by the handlers' unit tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use tradai_domain::ports::{ModelRegistry, NewRun, NewVersion};
use tradai_domain::ModelStage;
use tradai_memory::MemoryModelRegistry;

/// A registry holding each of `models` with one version per entry of `stages` (versions 1, 2, … in that
/// order; `ModelStage::None` leaves a version unstaged), all logged by one run.
pub async fn registry_with(models: &[&str], stages: &[ModelStage]) -> Arc<MemoryModelRegistry> {
    let registry = Arc::new(MemoryModelRegistry::new());
    let run = registry
        .log_run(NewRun {
            experiment_name: "e".into(),
            ..NewRun::default()
        })
        .await
        .expect("run");
    for name in models {
        for stage in stages {
            let version = registry
                .register(NewVersion {
                    model_name: (*name).into(),
                    source: "s3://m".into(),
                    run_id: Some(run.run_id.clone()),
                    tags: BTreeMap::new(),
                })
                .await
                .expect("register");
            if *stage != ModelStage::None {
                registry
                    .set_stage(name, &version.version, *stage)
                    .await
                    .expect("stage");
            }
        }
    }
    registry
}
