//! drift-monitor (§10.2 #12, §10.3): for each model, the runs of its experiment (`<experiment_prefix><model>`,
//! default `backtest-`) over the reference period and the current one, compared metric by metric with the PSI
//! of [`crate::drift`]. The verdict is the model's row of the drift-state table (check-retraining-needed reads
//! it); a significant drift also raises a CRITICAL alert (§22: pause, retrain now, page on-call). A model with no
//! experiment or too few runs gets no row and says why. A run that compared at least one model emits `DriftPSI`,
//! the highest overall PSI among them (the value the drift alarms compare with the same thresholds).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use tradai_config::metrics::{self, Emitter, Metric, Point};
use tradai_config::Function;
use tradai_domain::entities::{DriftRecord, DriftSeverity, MetricDrift, Timestamp};
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

/// The drift-monitor handler: the model registry, the drift-state table, the alerts topic, where its metrics
/// go, and its settings.
#[derive(Clone)]
pub struct DriftMonitor {
    pub registry: Arc<dyn ModelRegistry>,
    pub records: Arc<dyn RecordStore<DriftRecord>>,
    pub notifier: Arc<dyn Notifier>,
    pub metrics: Option<Emitter>,
    pub settings: Settings,
}

crate::handler_debug!(DriftMonitor, settings);

impl DriftMonitor {
    /// The monitor over the platform's registry and drift-state table, paging on `notifier` (the function's
    /// alerts topic), emitting through `metrics`.
    pub fn new(
        ports: &tradai_platform::Ports,
        notifier: Arc<dyn Notifier>,
        metrics: Option<Emitter>,
        settings: Settings,
    ) -> Self {
        DriftMonitor {
            registry: ports.registry.clone(),
            records: ports.drift.clone(),
            notifier,
            metrics,
            settings,
        }
    }
}

/// The event: the models to check (else the settings'), the experiments' prefix and the periods (else the
/// settings'). An EventBridge event's other fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Request {
    /// Non-blank model names.
    #[serde(default, deserialize_with = "models")]
    pub models: Option<Vec<String>>,
    /// `backtest-` when absent.
    #[serde(default)]
    pub experiment_prefix: Option<String>,
    #[serde(default)]
    pub reference_period_days: Option<Days>,
    #[serde(default)]
    pub current_period_days: Option<Days>,
}

/// A period in whole days, from 1 to 365.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days(i64);

impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        value
            .as_i64()
            .filter(|d| (1..=365).contains(d))
            .map(Days)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "{value} is not a whole number of days from 1 to 365"
                ))
            })
    }
}

/// `models`: null is none; otherwise a list of non-blank names (the whole field is named when one is not).
fn models<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|m| {
                m.as_str()
                    .filter(|m| !m.trim().is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| D::Error::custom(format!("{m} is not a model name")))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        other => Err(D::Error::custom(format!(
            "{other} is not a list of model names"
        ))),
    }
}

/// The answer: how many models were checked, how many drifted, the alerts sent, and each model's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub models_checked: usize,
    pub drift_detected: usize,
    pub alerts_sent: usize,
    pub results: Vec<ModelDrift>,
}

/// One model's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelDrift {
    pub model_name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What checking a model found (its `status`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// No experiment `<prefix><model>`.
    NoExperiment { experiment: String },
    /// The registry failed.
    Error { error: String },
    /// Too few runs to compare.
    InsufficientData { runs: usize, min_samples: usize },
    /// Compared; the verdict was recorded.
    Checked {
        overall_psi: f64,
        severity: DriftSeverity,
        metric_drifts: Vec<MetricDrift>,
        requires_attention: bool,
    },
}

impl crate::registry::Handler for DriftMonitor {
    const FUNCTION: Function = Function::DriftMonitor;
    const EMITS: &'static [Metric] = &[metrics::DRIFT_PSI];
    type Input = Request;
    type Output = Checked;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            ports,
            ports.notifier.clone(),
            extras.metrics.clone(),
            settings,
        ))
    }

    /// Check every model at `now`.
    async fn handle(&self, request: Request, now: Timestamp) -> Result<Checked, HandlerError> {
        let settings = &self.settings;
        // The event's models, else MONITORED_MODELS, else every registered model (a scheduled run names none).
        let mut models = request.models.unwrap_or_else(|| settings.models.clone());
        if models.is_empty() {
            models = self.registry.model_names().await?;
        }
        let prefix = request.experiment_prefix.as_deref().unwrap_or("backtest-");
        let psi = PsiSettings {
            reference_days: request
                .reference_period_days
                .map_or(settings.psi.reference_days, |d| d.0),
            current_days: request
                .current_period_days
                .map_or(settings.psi.current_days, |d| d.0),
            ..settings.psi.clone()
        };
        let (mut results, mut drifted, mut alerts) = (Vec::new(), 0, 0);
        for model in &models {
            let experiment = format!("{prefix}{model}");
            let outcome = match self
                .registry
                .experiment_by_name(&experiment, MAX_RUNS)
                .await
            {
                Err(DomainError::NotFound { .. }) => Outcome::NoExperiment { experiment },
                Err(e) => Outcome::Error {
                    error: e.to_string(),
                },
                Ok(experiment) => match evaluate(model, &experiment.runs, now, &psi) {
                    None => Outcome::InsufficientData {
                        runs: experiment.runs.len(),
                        min_samples: psi.min_samples,
                    },
                    Some(record) => {
                        self.records.put(&record).await?;
                        drifted += usize::from(record.requires_attention);
                        if record.severity == DriftSeverity::Significant
                            && alert(self.notifier.as_ref(), &record).await
                        {
                            alerts += 1;
                        }
                        Outcome::Checked {
                            overall_psi: record.overall_psi,
                            severity: record.severity,
                            metric_drifts: record.metric_drifts,
                            requires_attention: record.requires_attention,
                        }
                    }
                },
            };
            results.push(ModelDrift {
                model_name: model.clone(),
                outcome,
            });
        }
        if let Some(highest) = highest_psi(&results) {
            crate::metrics::emit(
                self.metrics.as_ref(),
                now,
                &[Point::new().value(metrics::DRIFT_PSI, highest)],
            );
        }
        Ok(Checked {
            models_checked: models.len(),
            drift_detected: drifted,
            alerts_sent: alerts,
            results,
        })
    }
}

/// The highest overall PSI among the models compared (none when no model was).
fn highest_psi(results: &[ModelDrift]) -> Option<f64> {
    results
        .iter()
        .filter_map(|r| match r.outcome {
            Outcome::Checked { overall_psi, .. } => Some(overall_psi),
            _ => None,
        })
        .reduce(f64::max)
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
    use crate::metrics::testing::{described, Captured};
    use crate::registry::Serve;

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
        let records = Arc::new(MemoryRecordStore::<DriftRecord>::new(
            TableLayout::from_spec("drift-state", &config.settings().tables["drift-state"]),
        ));
        let (registry, notifier) = (
            Arc::new(MemoryModelRegistry::new()),
            Arc::new(MemoryNotifier::new()),
        );
        runs(&registry, "steady", 12, 10, 0.0).await;
        runs(&registry, "steady", 12, 1, 0.0).await;
        runs(&registry, "shifted", 12, 10, 0.0).await;
        runs(&registry, "shifted", 12, 1, 5.0).await;
        runs(&registry, "sparse", 3, 1, 0.0).await;
        let captured = Captured::default();
        let monitor = DriftMonitor {
            registry: registry.clone(),
            records: records.clone(),
            notifier: notifier.clone(),
            metrics: captured.emitter(),
            settings: Settings {
                models: vec!["steady".into()],
                ..Settings::default()
            },
        };
        let check = |event: Value| {
            let monitor = &monitor;
            async move {
                let answer = monitor
                    .serve(event, Timestamp::now(), "dev")
                    .await
                    .expect("checks");
                answer["body"]["data"].clone()
            }
        };

        let answer = check(json!({"models": ["steady", "shifted", "sparse", "unknown"]})).await;
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
        assert_eq!(
            answer["results"][2],
            json!({"model_name": "sparse", "status": "insufficient_data", "runs": 3, "min_samples": 10})
        );
        assert_eq!(
            answer["results"][3],
            json!({"model_name": "unknown", "status": "no_experiment", "experiment": "backtest-unknown"})
        );
        let checked = answer["results"][1].as_object().expect("result");
        assert_eq!(
            checked.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "model_name",
                "status",
                "overall_psi",
                "severity",
                "metric_drifts",
                "requires_attention"
            ]
        );
        assert_eq!(answer["results"][1]["severity"], "significant");
        assert_eq!(
            (&answer["drift_detected"], &answer["alerts_sent"]),
            (&json!(1), &json!(1))
        );
        // One DriftPSI value: the highest overall PSI, the shifted model's.
        let shifted = answer["results"][1]["overall_psi"].as_f64().expect("psi");
        assert!(shifted > answer["results"][0]["overall_psi"].as_f64().expect("psi"));
        assert_eq!(
            described(&captured.take()),
            [format!("TradAI/DriftPSI{{Environment=dev}} {shifted} None")]
        );
        // Nothing compared, nothing emitted: the alarm sees no data rather than a PSI of 0.
        check(json!({"models": ["sparse", "unknown"]})).await;
        assert_eq!(captured.take(), []);
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
        let answer = check(json!({"source": "aws.events", "detail-type": "Scheduled Event"})).await;
        assert_eq!(answer["models_checked"], 1);

        // Neither the event nor the settings name any: every registered model is checked.
        let registered = DriftMonitor {
            registry: registry.clone(),
            records: records.clone(),
            notifier: notifier.clone(),
            settings: Settings::default(),
            metrics: None,
        };
        let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event"});
        let answer = registered
            .serve(scheduled.clone(), Timestamp::now(), "dev")
            .await
            .expect("nothing registered yet");
        assert_eq!(answer["body"]["data"]["models_checked"], 0);
        registry
            .register(tradai_domain::ports::NewVersion {
                model_name: "shifted".into(),
                source: "s3://models/shifted".into(),
                run_id: None,
                tags: BTreeMap::new(),
            })
            .await
            .expect("registered");
        let answer = registered
            .serve(scheduled, Timestamp::now(), "dev")
            .await
            .expect("checks");
        assert_eq!(answer["body"]["data"]["models_checked"], 1);
        assert_eq!(
            answer["body"]["data"]["results"][0]["model_name"],
            "shifted"
        );
    }

    #[tokio::test]
    async fn bad_events_name_the_field() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let records = Arc::new(MemoryRecordStore::<DriftRecord>::new(
            TableLayout::from_spec("drift-state", &config.settings().tables["drift-state"]),
        ));
        let monitor = DriftMonitor {
            registry: Arc::new(MemoryModelRegistry::new()),
            records,
            notifier: Arc::new(MemoryNotifier::new()),
            metrics: None,
            settings: Settings::default(),
        };
        for (event, field) in [
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
            let error = monitor
                .serve(event.clone(), Timestamp::now(), "dev")
                .await
                .expect_err("invalid");
            assert!(
                matches!(&error, HandlerError::Validation { field: f, .. } if f == field),
                "{event}: {error}"
            );
        }
    }
}
