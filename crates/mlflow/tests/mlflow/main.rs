//! The MLflow adapter against a real MLflow tracking server (SQLite store; started by the harness or by
//! `scripts/test`), through the same contract suite as the in-memory registry.

use tradai_domain::ports::ModelRegistry;
use tradai_domain::{DomainError, ExternalKind, ModelStage};
use tradai_mlflow::MlflowRegistry;
use tradai_test_support::{contracts, mlflow};

fn registry() -> MlflowRegistry {
    MlflowRegistry::new(mlflow::tracking_uri(), None).expect("the tracking URI is valid")
}

#[tokio::test]
async fn the_mlflow_adapter_passes_the_registry_contract() {
    contracts::model_registry(&registry()).await;
}

/// A server that does not answer is a retriable failure naming MLflow, not a panic or a hang.
#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let port = tradai_test_support::launch::free_port();
    let offline = MlflowRegistry::new(&format!("http://127.0.0.1:{port}"), None).expect("valid");
    match offline.set_stage("M", "1", ModelStage::Staging).await {
        Err(DomainError::External { service, kind, .. }) => {
            assert_eq!(service, "mlflow");
            assert!(
                matches!(kind, ExternalKind::Unavailable | ExternalKind::CircuitOpen),
                "{kind:?}"
            );
        }
        other => panic!("expected an external failure, got {other:?}"),
    }
}

/// Promotion and rollback rules against the real registry.
#[tokio::test]
async fn promotion_and_rollback_work_on_mlflow() {
    contracts::promotion(&registry()).await;
}

/// The first runs of a new experiment, logged at once (backtests finishing together), race to create it: every
/// one is logged, into the one experiment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_runs_of_a_new_experiment_are_all_logged() {
    let registry = registry();
    let name = format!("race-{}", uuid::Uuid::new_v4());
    let runs = (0..6).map(|_| {
        registry.log_run(tradai_domain::ports::NewRun {
            experiment_name: name.clone(),
            metrics: Default::default(),
            params: Default::default(),
            tags: Default::default(),
            started_at: None,
        })
    });
    let logged = futures::future::join_all(runs).await;
    let ids: std::collections::BTreeSet<String> = logged
        .into_iter()
        .map(|r| r.expect("logged").experiment_id)
        .collect();
    assert_eq!(ids.len(), 1, "one experiment: {ids:?}");
}
