//! drift-monitor (§10.2 #12, §10.3): for each model, the runs of its experiment (`<experiment_prefix><model>`,
//! default `backtest-`) over the reference period and the current one, compared metric by metric with the PSI
//! of [`crate::drift`]. The verdict is the model's row of the drift-state table (check-retraining-needed reads
//! it); a significant drift also raises a CRITICAL alert (§22: pause, retrain now, page on-call). A model with no
//! experiment or too few runs gets no row and says why.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tradai_domain::entities::{DriftRecord, DriftSeverity, Timestamp};
use tradai_domain::ports::{ModelRegistry, Notifier, PublishedMessage, RecordStore};
use tradai_domain::DomainError;

use crate::drift::{evaluate, Settings as PsiSettings};
use crate::HandlerError;

/// Runs read per experiment, at most.
const MAX_RUNS: usize = 1000;

/// Settings: the PSI bands and periods, and the models checked when the event names none (`MONITORED_MODELS`,
/// comma-separated; decision B10).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub psi: PsiSettings,
    pub models: Vec<String>,
}

/// What it talks to.
pub struct Dependencies<'a> {
    pub registry: &'a dyn ModelRegistry,
    pub records: &'a dyn RecordStore<DriftRecord>,
    pub notifier: &'a dyn Notifier,
    pub settings: &'a Settings,
}

crate::debug_showing!(Dependencies, settings);

fn days(input: &Value, field: &str, default: i64) -> Result<i64, HandlerError> {
    match &input[field] {
        Value::Null => Ok(default),
        value => value
            .as_i64()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| {
                HandlerError::invalid(
                    field,
                    format!("{value} is not a whole number of days from 1 to 365"),
                )
            }),
    }
}

/// The models of the event (`models`), else of the settings.
fn models(input: &Value, settings: &Settings) -> Result<Vec<String>, HandlerError> {
    let models: Vec<String> = match &input["models"] {
        Value::Null => settings.models.clone(),
        Value::Array(items) => items
            .iter()
            .map(|m| {
                m.as_str()
                    .filter(|m| !m.trim().is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        HandlerError::invalid("models", format!("{m} is not a model name"))
                    })
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(HandlerError::invalid(
                "models",
                format!("{other} is not a list of model names"),
            ))
        }
    };
    if models.is_empty() {
        return Err(HandlerError::invalid(
            "models",
            "no models to check: name them in the event or in MONITORED_MODELS",
        ));
    }
    Ok(models)
}

/// Check every model at `now`; the `data` of the answer.
pub async fn handle(
    deps: &Dependencies<'_>,
    input: &Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let models = models(input, deps.settings)?;
    let prefix = input["experiment_prefix"].as_str().unwrap_or("backtest-");
    let psi = PsiSettings {
        reference_days: days(
            input,
            "reference_period_days",
            deps.settings.psi.reference_days,
        )?,
        current_days: days(input, "current_period_days", deps.settings.psi.current_days)?,
        ..deps.settings.psi.clone()
    };
    let (mut results, mut drifted, mut alerts) = (Vec::new(), 0, 0);
    for model in &models {
        let experiment = match deps
            .registry
            .experiment_by_name(&format!("{prefix}{model}"), MAX_RUNS)
            .await
        {
            Ok(experiment) => experiment,
            Err(DomainError::NotFound { .. }) => {
                results.push(json!({"model_name": model, "status": "no_experiment", "experiment": format!("{prefix}{model}")}));
                continue;
            }
            Err(e) => {
                results
                    .push(json!({"model_name": model, "status": "error", "error": e.to_string()}));
                continue;
            }
        };
        let Some(record) = evaluate(model, &experiment.runs, now, &psi) else {
            results.push(json!({"model_name": model, "status": "insufficient_data", "runs": experiment.runs.len(),
                                "min_samples": psi.min_samples}));
            continue;
        };
        deps.records.put(&record).await?;
        drifted += usize::from(record.requires_attention);
        if record.severity == DriftSeverity::Significant && alert(deps.notifier, &record).await {
            alerts += 1;
        }
        results.push(json!({
            "model_name": model, "status": "checked", "overall_psi": record.overall_psi, "severity": record.severity,
            "metric_drifts": record.metric_drifts, "requires_attention": record.requires_attention,
        }));
    }
    Ok(
        json!({"models_checked": models.len(), "drift_detected": drifted, "alerts_sent": alerts, "results": results}),
    )
}

async fn alert(notifier: &dyn Notifier, record: &DriftRecord) -> bool {
    let message = PublishedMessage {
            subject: format!("[CRITICAL] significant drift on {}", record.model_name),
            message: json!({"type": "DRIFT_DETECTED", "model_name": record.model_name, "overall_psi": record.overall_psi,
                            "metric_drifts": record.metric_drifts,
                            "action": "pause live trading, retrain now, page on-call"})
            .to_string(),
            attributes: BTreeMap::from([
                ("severity".to_owned(), "CRITICAL".to_owned()),
                ("notification_type".to_owned(), "DRIFT_DETECTED".to_owned()),
            ]),
    };
    crate::alert(notifier, message).await
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::{NewRun, RecordKey, TableLayout};
    use tradai_memory::{MemoryModelRegistry, MemoryNotifier, MemoryRecordStore};

    use super::*;

    /// `n` runs of `model`'s backtest experiment, `age_days` old, with profits around `profit`.
    async fn runs(
        registry: &MemoryModelRegistry,
        model: &str,
        n: usize,
        age_days: i64,
        profit: f64,
    ) {
        for i in 0..n {
            let value = profit + 0.01 * i as f64;
            registry
                .log_run(NewRun {
                    experiment_name: format!("backtest-{model}"),
                    metrics: BTreeMap::from([
                        ("profit_total".to_owned(), value),
                        ("win_rate".to_owned(), 0.5),
                        ("sharpe_ratio".to_owned(), 1.0),
                        ("max_drawdown".to_owned(), 0.1),
                    ]),
                    started_at: Some(
                        Timestamp::now().plus_seconds(-age_days * 86_400 - i as i64 * 60),
                    ),
                    ..NewRun::default()
                })
                .await
                .expect("run");
        }
    }

    #[tokio::test]
    async fn records_the_verdict_and_pages_on_significant_drift() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let records = MemoryRecordStore::<DriftRecord>::new(TableLayout::from_spec(
            "drift-state",
            &config.settings().tables["drift-state"],
        ));
        let (registry, notifier) = (MemoryModelRegistry::new(), MemoryNotifier::new());
        runs(&registry, "steady", 12, 10, 0.0).await;
        runs(&registry, "steady", 12, 1, 0.0).await;
        runs(&registry, "shifted", 12, 10, 0.0).await;
        runs(&registry, "shifted", 12, 1, 5.0).await;
        runs(&registry, "sparse", 3, 1, 0.0).await;
        let settings = Settings {
            models: vec!["steady".into()],
            ..Settings::default()
        };
        let deps = Dependencies {
            registry: &registry,
            records: &records,
            notifier: &notifier,
            settings: &settings,
        };

        let answer = handle(
            &deps,
            &json!({"models": ["steady", "shifted", "sparse", "unknown"]}),
            Timestamp::now(),
        )
        .await
        .expect("checks");
        let status: Vec<&str> = answer["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["status"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            status,
            ["checked", "checked", "insufficient_data", "no_experiment"],
            "{answer}"
        );
        assert_eq!(answer["results"][0]["severity"], "none");
        assert_eq!(answer["results"][1]["severity"], "significant");
        assert_eq!(
            (&answer["drift_detected"], &answer["alerts_sent"]),
            (&json!(1), &json!(1))
        );
        let row = records
            .get(&RecordKey::partition("shifted"))
            .await
            .expect("get")
            .expect("row");
        assert_eq!(row.severity, DriftSeverity::Significant);
        assert!(records
            .get(&RecordKey::partition("sparse"))
            .await
            .expect("get")
            .is_none());
        assert_eq!(
            notifier.published()[0].subject,
            "[CRITICAL] significant drift on shifted"
        );

        // The settings' models when the event names none.
        let answer = handle(&deps, &json!({}), Timestamp::now())
            .await
            .expect("checks");
        assert_eq!(answer["models_checked"], 1);
    }

    #[tokio::test]
    async fn bad_events_name_the_field() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let records = MemoryRecordStore::<DriftRecord>::new(TableLayout::from_spec(
            "drift-state",
            &config.settings().tables["drift-state"],
        ));
        let (registry, notifier) = (MemoryModelRegistry::new(), MemoryNotifier::new());
        let settings = Settings::default();
        let deps = Dependencies {
            registry: &registry,
            records: &records,
            notifier: &notifier,
            settings: &settings,
        };
        for (event, field) in [
            (json!({}), "models"),
            (json!({"models": "a"}), "models"),
            (json!({"models": [""]}), "models"),
            (
                json!({"models": ["a"], "current_period_days": 0}),
                "current_period_days",
            ),
            (
                json!({"models": ["a"], "reference_period_days": "30"}),
                "reference_period_days",
            ),
        ] {
            let error = handle(&deps, &event, Timestamp::now())
                .await
                .expect_err("invalid");
            assert!(
                matches!(&error, HandlerError::Validation { field: f, .. } if f == field),
                "{event}: {error}"
            );
        }
    }
}
