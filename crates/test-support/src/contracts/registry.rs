//! Contract of the model-registry port.

use std::collections::BTreeMap;

use tradai_domain::ports::{ModelRegistry, NewRun, NewVersion};
use tradai_domain::{DomainError, ModelStage};

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Runs land in experiments created on first use; versions register from runs (carrying the run's metrics),
/// are numbered from 1, start in `None`, list newest first and move between stages; unknown models, versions,
/// runs and experiments are `NotFound`; a registered model is listed by name.
pub async fn model_registry(registry: &dyn ModelRegistry) {
    let prefix = crate::unique_prefix();
    let model = format!("{prefix}-PascalStrategy");
    let experiment = format!("backtest-{prefix}");

    assert!(matches!(
        registry.model(&model).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        registry.versions(&model).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        registry.experiment("987654321", 10).await,
        Err(DomainError::NotFound { .. })
    ));

    let run = |sharpe: f64| NewRun {
        experiment_name: experiment.clone(),
        metrics: BTreeMap::from([
            ("sharpe_ratio".to_owned(), sharpe),
            ("win_rate".to_owned(), 0.55),
        ]),
        params: tags(&[("timeframe", "1h")]),
        tags: tags(&[("trace_id", "t-1"), ("config_version_id", "v1-a3b2c1d4")]),
        started_at: None,
    };
    let first = registry.log_run(run(1.2)).await.expect("log a run");
    let second = registry.log_run(run(1.8)).await.expect("log another run");
    assert_eq!(
        first.experiment_id, second.experiment_id,
        "one experiment per name"
    );

    let found = registry
        .experiment(&first.experiment_id, 10)
        .await
        .expect("experiment");
    assert_eq!(found.name, experiment);
    let ids: Vec<_> = found.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "both runs: {ids:?}");
    assert!(ids.contains(&first.run_id.as_str()) && ids.contains(&second.run_id.as_str()));
    let logged = &found
        .runs
        .iter()
        .find(|r| r.run_id == second.run_id)
        .expect("second run");
    assert_eq!(logged.metrics["sharpe_ratio"], 1.8);
    assert_eq!(logged.params["timeframe"], "1h");
    assert_eq!(
        logged.tags,
        tags(&[("trace_id", "t-1"), ("config_version_id", "v1-a3b2c1d4")])
    );
    assert_eq!(logged.status, "FINISHED");
    assert_eq!(
        registry
            .experiment(&first.experiment_id, 1)
            .await
            .expect("one")
            .runs
            .len(),
        1
    );

    // A backfilled run keeps its start time and sorts by it; the experiment is found by name too.
    let backfilled_at = tradai_domain::entities::Timestamp::now().plus_seconds(-30 * 86_400);
    let backfilled = registry
        .log_run(NewRun {
            started_at: Some(backfilled_at),
            ..run(0.4)
        })
        .await
        .expect("log a backfilled run");
    let by_name = registry
        .experiment_by_name(&experiment, 10)
        .await
        .expect("by name");
    assert_eq!(by_name.experiment_id, first.experiment_id);
    let oldest = by_name.runs.last().expect("runs");
    assert_eq!(oldest.run_id, backfilled.run_id, "newest first");
    assert_eq!(
        oldest.started_at.epoch_seconds(),
        backfilled_at.epoch_seconds()
    );
    assert!(matches!(
        registry
            .experiment_by_name("no-such-experiment-anywhere", 1)
            .await,
        Err(DomainError::NotFound { .. })
    ));

    let register = |run_id: &str| NewVersion {
        model_name: model.clone(),
        source: format!("runs:/{run_id}/model"),
        run_id: Some(run_id.to_owned()),
        tags: tags(&[("trace_id", "t-1")]),
    };
    assert!(!registry
        .model_names()
        .await
        .expect("names")
        .contains(&model));
    let v1 = registry
        .register(register(&first.run_id))
        .await
        .expect("register v1");
    let names = registry.model_names().await.expect("names");
    assert!(names.contains(&model), "{model} is listed: {names:?}");
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted: {names:?}");
    assert_eq!((v1.version.as_str(), v1.stage), ("1", ModelStage::None));
    assert_eq!(
        v1.metrics["sharpe_ratio"], 1.2,
        "the run's metrics travel with the version"
    );
    assert_eq!(v1.tags["trace_id"], "t-1");
    let v2 = registry
        .register(register(&second.run_id))
        .await
        .expect("register v2");
    assert_eq!(v2.version, "2");

    let staged = registry
        .set_stage(&model, "1", ModelStage::Staging)
        .await
        .expect("stage v1");
    assert_eq!(staged.stage, ModelStage::Staging);
    assert_eq!(staged.metrics["sharpe_ratio"], 1.2);
    let listed = registry.versions(&model).await.expect("versions");
    let shape: Vec<_> = listed
        .iter()
        .map(|v| (v.version.as_str(), v.stage))
        .collect();
    assert_eq!(
        shape,
        [("2", ModelStage::None), ("1", ModelStage::Staging)],
        "newest first"
    );
    assert_eq!(listed[0].run_id.as_deref(), Some(second.run_id.as_str()));

    let info = registry.model(&model).await.expect("model");
    assert_eq!(info.name, model);
    let mut latest: Vec<_> = info
        .latest_versions
        .iter()
        .map(|v| (v.version.as_str(), v.stage))
        .collect();
    latest.sort_by_key(|(version, _)| *version);
    assert_eq!(
        latest,
        [("1", ModelStage::Staging), ("2", ModelStage::None)],
        "newest per stage"
    );

    assert!(matches!(
        registry.set_stage(&model, "9", ModelStage::Staging).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(
        matches!(
            registry
                .register(NewVersion {
                    run_id: Some("0123456789abcdef0123456789abcdef".into()),
                    ..register(&first.run_id)
                })
                .await,
            Err(DomainError::NotFound { .. })
        ),
        "a version from an unknown run"
    );
}

/// The promotion rules over a registry: stage, promote (archiving the previous Production version; promoting
/// twice changes nothing), rollback to the newest or a named archived version, and the conflicts in between.
pub async fn promotion(registry: &dyn ModelRegistry) {
    use tradai_domain::promotion;
    let model = format!("{}-RadStrategy", crate::unique_prefix());
    let run = registry
        .log_run(NewRun {
            experiment_name: format!("backtest-{model}"),
            ..NewRun::default()
        })
        .await
        .expect("log a run");
    for _ in 0..3 {
        registry
            .register(NewVersion {
                model_name: model.clone(),
                source: format!("runs:/{}/model", run.run_id),
                run_id: Some(run.run_id.clone()),
                tags: BTreeMap::new(),
            })
            .await
            .expect("register");
    }
    let stages = || async {
        let versions = registry.versions(&model).await.expect("versions");
        versions
            .into_iter()
            .map(|v| (v.version, v.stage))
            .collect::<Vec<_>>()
    };
    let conflict = |r: Result<_, DomainError>| matches!(r, Err(DomainError::Conflict(_)));

    assert!(
        conflict(promotion::promote(registry, &model, None).await.map(|_| ())),
        "nothing staged"
    );
    assert!(
        conflict(
            promotion::rollback(registry, &model, None)
                .await
                .map(|_| ())
        ),
        "nothing in Production"
    );
    assert!(matches!(
        promotion::stage(registry, &model, "7").await,
        Err(DomainError::NotFound { .. })
    ));
    promotion::stage(registry, &model, "1")
        .await
        .expect("stage v1");
    let first = promotion::promote(registry, &model, None)
        .await
        .expect("promote the staged v1");
    assert_eq!(
        (first.promoted.version.as_str(), first.archived.len()),
        ("1", 0)
    );
    let again = promotion::promote(registry, &model, Some("1"))
        .await
        .expect("promote v1 again");
    assert_eq!(
        (again.promoted.stage, again.archived.len()),
        (ModelStage::Production, 0),
        "idempotent"
    );
    assert!(
        conflict(
            promotion::promote(registry, &model, Some("2"))
                .await
                .map(|_| ())
        ),
        "None cannot jump to Production"
    );
    promotion::stage(registry, &model, "2")
        .await
        .expect("stage v2");
    let second = promotion::promote(registry, &model, Some("2"))
        .await
        .expect("promote v2");
    assert_eq!(second.archived, ["1"]);
    assert_eq!(
        stages().await,
        [
            ("3".into(), ModelStage::None),
            ("2".into(), ModelStage::Production),
            ("1".into(), ModelStage::Archived)
        ]
    );
    let candidates = promotion::rollback_candidates(registry, &model)
        .await
        .expect("candidates");
    assert_eq!(
        candidates
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["1"]
    );
    assert!(
        conflict(
            promotion::rollback(registry, &model, Some("3"))
                .await
                .map(|_| ())
        ),
        "only archived versions are restored"
    );
    let back = promotion::rollback(registry, &model, None)
        .await
        .expect("roll back");
    assert_eq!(
        (back.from_version.as_str(), back.to_version.as_str()),
        ("2", "1")
    );
    assert_eq!(
        stages().await,
        [
            ("3".into(), ModelStage::None),
            ("2".into(), ModelStage::Archived),
            ("1".into(), ModelStage::Production)
        ]
    );
}
