//! pulumi-drift-detector (§10.2 #17, §10.3): records each layer's drift and alerts on it. The previews run
//! where the Pulumi CLI, its plugins and the stack program are (the `drift` workflow: `pulumi preview --refresh
//! --expect-no-changes --json` per layer), which sends them here; a Lambda runtime has none of the three.
//! Each stack's result is recorded (infra-drift-state, with a TTL) and a drift alerts; a layer the workflow could
//! not preview is an error entry. On its schedule (an event with no previews) it checks that every layer of its
//! environment was checked within `STALE_AFTER_HOURS`, and alerts on each that was not: a drift check that
//! stopped running is itself drift no one sees.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::{InfraDriftRecord, Timestamp};
use tradai_domain::ports::{Notifier, Order, PublishedMessage, RecordStore};

use crate::input::Text;
use crate::HandlerError;

/// The most previews one event carries (four layers per environment, with room to spare).
pub const MAX_PREVIEWS: usize = 16;

/// Settings: the stacks of the function's environment, how long records live, and when a layer's newest check
/// is too old.
#[derive(Debug, Clone)]
pub struct Settings {
    pub stacks: Vec<String>,
    pub ttl_seconds: i64,
    pub stale_after_hours: i64,
}

/// The pulumi-drift-detector handler: the infra-drift-state table, its alerts topic, and its settings.
#[derive(Clone)]
pub struct PulumiDriftDetector {
    pub records: Arc<dyn RecordStore<InfraDriftRecord>>,
    pub notifier: Arc<dyn Notifier>,
    pub settings: Settings,
}

crate::handler_debug!(PulumiDriftDetector, settings);

impl PulumiDriftDetector {
    /// The detector recording in `records` (the infra-drift-state table) and alerting on `notifier` (the
    /// function's alerts topic).
    pub fn new(
        records: Arc<dyn RecordStore<InfraDriftRecord>>,
        notifier: Arc<dyn Notifier>,
        settings: Settings,
    ) -> Self {
        PulumiDriftDetector {
            records,
            notifier,
            settings,
        }
    }
}

/// One layer's preview as the drift workflow sends it: the `pulumi preview --json` document, or why the layer
/// could not be previewed.
#[derive(Debug, Clone, Deserialize)]
pub struct Preview {
    pub stack: Text,
    #[serde(default)]
    pub document: Option<Value>,
    #[serde(default, deserialize_with = "crate::input::blank")]
    pub error: Option<String>,
}

/// The event: the workflow's previews, or none (the schedule's event, whose other fields are ignored), and
/// whether to skip the alerts (`dry_run`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Request {
    #[serde(default)]
    pub previews: Vec<Preview>,
    /// Only `true` skips the alerts.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// The answer: each previewed stack's record, as stored, and the stacks whose newest check is older than the
/// staleness limit (or missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub stacks: Vec<InfraDriftRecord>,
    pub stale: Vec<String>,
}

fn count(summary: &Value, key: &str) -> u32 {
    summary[key]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// The record of one layer's preview.
fn record(preview: &Preview, now: Timestamp, ttl_seconds: i64) -> InfraDriftRecord {
    let mut record = InfraDriftRecord {
        stack_name: preview.stack.to_string(),
        checked_at: now,
        has_drift: false,
        resources_to_create: 0,
        resources_to_update: 0,
        resources_to_delete: 0,
        resources_unchanged: 0,
        drift_details: Vec::new(),
        error: None,
        ttl: now.epoch_seconds() + ttl_seconds,
    };
    let document = match (&preview.document, &preview.error) {
        (Some(document), None) => document,
        (_, Some(error)) => {
            record.error = Some(error.clone());
            return record;
        }
        (None, None) => {
            record.error = Some("the workflow sent neither a preview nor an error".into());
            return record;
        }
    };
    let summary = &document["changeSummary"];
    record.resources_to_create = count(summary, "create");
    record.resources_to_update = count(summary, "update");
    record.resources_to_delete = count(summary, "delete");
    record.resources_unchanged = count(summary, "same");
    record.drift_details = document["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["op"] != "same")
        .filter_map(|s| Some(format!("{} {}", s["op"].as_str()?, s["urn"].as_str()?)))
        .collect();
    record.has_drift =
        record.resources_to_create + record.resources_to_update + record.resources_to_delete > 0;
    record
}

impl PulumiDriftDetector {
    async fn alert(&self, subject: String, message: String, dry_run: bool) {
        if !dry_run {
            let alert = PublishedMessage {
                subject,
                message,
                attributes: Default::default(),
            };
            crate::alert(self.notifier.as_ref(), alert).await;
        }
    }

    /// The stacks whose newest record is older than the limit at `now`, or missing.
    async fn stale(&self, now: Timestamp) -> Result<Vec<String>, HandlerError> {
        let limit = now.plus_seconds(-self.settings.stale_after_hours * 3600);
        let mut out = Vec::new();
        for stack in &self.settings.stacks {
            let newest = self.records.query(stack, Order::NewestFirst, 1).await?;
            if newest
                .first()
                .is_none_or(|r| r.checked_at.epoch_seconds() < limit.epoch_seconds())
            {
                out.push(stack.clone());
            }
        }
        Ok(out)
    }
}

impl crate::registry::Handler for PulumiDriftDetector {
    const FUNCTION: Function = Function::PulumiDriftDetector;
    type Input = Request;
    type Output = Checked;
    type Settings = Settings;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            ports.infra_drift.clone(),
            ports.notifier.clone(),
            settings,
        ))
    }

    /// Record the event's previews at `now`, or (no previews) report the stale layers.
    async fn handle(&self, request: Request, now: Timestamp) -> Result<Checked, HandlerError> {
        let dry_run = request.dry_run == Some(true);
        if request.previews.len() > MAX_PREVIEWS {
            return Err(HandlerError::invalid(
                "previews",
                format!(
                    "{} previews: at most {MAX_PREVIEWS}",
                    request.previews.len()
                ),
            ));
        }
        for (index, preview) in request.previews.iter().enumerate() {
            if !self
                .settings
                .stacks
                .iter()
                .any(|s| s == preview.stack.as_str())
            {
                return Err(HandlerError::invalid(
                    &format!("previews[{index}].stack"),
                    format!(
                        "'{}' is not a stack of this environment ({})",
                        preview.stack,
                        self.settings.stacks.join(", ")
                    ),
                ));
            }
        }
        if request.previews.is_empty() {
            let stale = self.stale(now).await?;
            for stack in &stale {
                let hours = self.settings.stale_after_hours;
                self.alert(
                    format!("[WARNING] no drift check of {stack}"),
                    format!("{stack} has not been checked for drift in {hours} hours: is the drift workflow running?"),
                    dry_run,
                )
                .await;
            }
            return Ok(Checked {
                stacks: Vec::new(),
                stale,
            });
        }
        let mut results = Vec::with_capacity(request.previews.len());
        for preview in &request.previews {
            let record = record(preview, now, self.settings.ttl_seconds);
            self.records.put(&record).await?;
            let stack = &record.stack_name;
            if record.has_drift {
                self.alert(
                    format!("[WARNING] infrastructure drift in {stack}"),
                    format!("{stack} drifted: {}", record.drift_details.join(", ")),
                    dry_run,
                )
                .await;
            }
            results.push(record);
        }
        Ok(Checked {
            stacks: results,
            stale: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::TableLayout;
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use serde_json::json;

    use super::*;
    use crate::registry::Serve;

    fn detector() -> (
        PulumiDriftDetector,
        Arc<MemoryRecordStore<InfraDriftRecord>>,
        Arc<MemoryNotifier>,
    ) {
        let config = tradai_test_support::config_with_prefix("lambda");
        let records = Arc::new(MemoryRecordStore::<InfraDriftRecord>::new(
            TableLayout::from_spec(
                "infra-drift-state",
                &config.settings().tables["infra-drift-state"],
            ),
        ));
        let notifier = Arc::new(MemoryNotifier::new());
        let settings = Settings {
            stacks: [
                "persistent-prod",
                "foundation-prod",
                "compute-prod",
                "edge-prod",
            ]
            .map(str::to_owned)
            .to_vec(),
            ttl_seconds: 86_400,
            stale_after_hours: 26,
        };
        let detector = PulumiDriftDetector::new(records.clone(), notifier.clone(), settings);
        (detector, records, notifier)
    }

    #[tokio::test]
    async fn the_workflow_s_previews_are_recorded_and_drift_alerts() {
        let (detector, records, notifier) = detector();
        let now = Timestamp::now();
        let drifted = json!({"changeSummary": {"update": 1, "same": 40}, "steps": [
            {"op": "update", "urn": "urn:pulumi:compute-prod::tradai::aws:lambda/function:Function::health-check"},
            {"op": "same", "urn": "x"}]});
        let event = json!({"previews": [
            {"stack": "compute-prod", "document": drifted},
            {"stack": "edge-prod", "document": {"changeSummary": {"same": 12}, "steps": []}},
            {"stack": "foundation-prod", "error": "error: no stack named foundation-prod"}
        ]});
        let answer = detector.serve(event, now, "prod").await.expect("answer");
        let stacks = answer["body"]["data"]["stacks"]
            .as_array()
            .expect("stacks")
            .clone();
        assert_eq!(
            (
                stacks[0]["has_drift"].clone(),
                stacks[0]["resources_to_update"].clone()
            ),
            (json!(true), json!(1))
        );
        assert_eq!(
            stacks[0]["drift_details"],
            json!(["update urn:pulumi:compute-prod::tradai::aws:lambda/function:Function::health-check"])
        );
        assert_eq!(
            (
                stacks[1]["has_drift"].clone(),
                stacks[1]["resources_unchanged"].clone()
            ),
            (json!(false), json!(12))
        );
        assert!(!stacks[1].as_object().expect("record").contains_key("error"));
        assert_eq!(
            stacks[2]["error"],
            json!("error: no stack named foundation-prod")
        );
        assert_eq!(notifier.published().len(), 1, "one drift, one alert");
        assert_eq!(
            records
                .query("compute-prod", Order::NewestFirst, 5)
                .await
                .expect("records")
                .len(),
            1
        );
        assert!(matches!(
            detector.serve(json!({"previews": [{"stack": "compute-dev", "document": {}}]}), now, "prod").await,
            Err(HandlerError::Validation { field, .. }) if field == "previews[0].stack"
        ));
        let many: Vec<Value> = (0..=MAX_PREVIEWS)
            .map(|_| json!({"stack": "edge-prod", "document": {}}))
            .collect();
        assert!(matches!(
            detector.serve(json!({"previews": many}), now, "prod").await,
            Err(HandlerError::Validation { field, .. }) if field == "previews"
        ));
    }

    #[tokio::test]
    async fn the_schedule_alerts_on_each_layer_no_recent_check_covers() {
        let (detector, _, notifier) = detector();
        let now = Timestamp::now();
        let fresh = json!({"previews": [
            {"stack": "persistent-prod", "document": {"changeSummary": {"same": 3}}},
            {"stack": "edge-prod", "document": {"changeSummary": {"same": 3}}}
        ]});
        detector
            .serve(fresh, now.plus_seconds(-27 * 3600), "prod")
            .await
            .expect("old checks");
        let recent = json!({"previews": [{"stack": "edge-prod", "document": {"changeSummary": {"same": 3}}}]});
        detector
            .serve(recent, now.plus_seconds(-3600), "prod")
            .await
            .expect("recent check");
        let scheduled =
            json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        let answer = detector
            .serve(scheduled, now, "prod")
            .await
            .expect("schedule");
        assert_eq!(
            answer["body"]["data"]["stale"],
            json!(["persistent-prod", "foundation-prod", "compute-prod"])
        );
        let subjects: Vec<String> = notifier
            .published()
            .iter()
            .map(|m| m.subject.clone())
            .collect();
        assert_eq!(subjects.len(), 3, "{subjects:?}");
        assert_eq!(subjects[0], "[WARNING] no drift check of persistent-prod");
    }
}
