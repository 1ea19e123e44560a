//! pulumi-drift-detector (§10.2 #17, §10.3): `pulumi preview --expect-no-changes --json` per stack; a stack
//! whose preview plans changes has drifted. Each stack's result is recorded (infra-drift-state, with a TTL)
//! and a drift alerts; a stack that cannot be previewed — the CLI missing from the runtime included — is an
//! error entry that does not stop the others.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::{InfraDriftRecord, Timestamp};
use tradai_domain::ports::{Notifier, PublishedMessage, RecordStore};

use crate::HandlerError;

/// Settings: the CLI (`pulumi` on the PATH), the project directory, how long records live.
#[derive(Debug, Clone)]
pub struct Settings {
    pub binary: PathBuf,
    pub project_dir: PathBuf,
    pub ttl_seconds: i64,
}

/// The pulumi-drift-detector handler: the infra-drift-state table (not among the platform's ports), its
/// alerts topic, and its settings.
#[derive(Clone)]
pub struct PulumiDriftDetector {
    pub records: Arc<dyn RecordStore<InfraDriftRecord>>,
    pub notifier: Arc<dyn Notifier>,
    pub settings: Settings,
}

crate::handler_debug!(PulumiDriftDetector, settings);

impl PulumiDriftDetector {
    /// The detector recording in `records` (the infra-drift-state table) and alerting on `notifier` (the
    /// function's alerts topic); neither is among the platform's ports.
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

/// The event: the stacks to preview (at least one) and whether to skip the alerts (`dry_run`). An EventBridge
/// event's other fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Request {
    #[serde(default)]
    pub stacks: Vec<String>,
    /// Only `true` skips the alerts.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// The answer: each stack's record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub stacks: Vec<InfraDriftRecord>,
}

fn count(summary: &Value, key: &str) -> u32 {
    summary[key]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// Preview one stack: the record, or why it could not be previewed.
async fn preview(settings: &Settings, stack: &str, now: Timestamp) -> InfraDriftRecord {
    let mut record = InfraDriftRecord {
        stack_name: stack.to_owned(),
        checked_at: now,
        has_drift: false,
        resources_to_create: 0,
        resources_to_update: 0,
        resources_to_delete: 0,
        resources_unchanged: 0,
        drift_details: Vec::new(),
        error: None,
        ttl: now.epoch_seconds() + settings.ttl_seconds,
    };
    let output = tokio::process::Command::new(&settings.binary)
        .args([
            "preview",
            "--stack",
            stack,
            "--expect-no-changes",
            "--json",
            "--non-interactive",
        ])
        .current_dir(&settings.project_dir)
        .output()
        .await;
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            record.error = Some(format!(
                "the pulumi CLI is not installed in this runtime ({} not found)",
                settings.binary.display()
            ));
            return record;
        }
        Err(e) => {
            record.error = Some(format!("cannot run {}: {e}", settings.binary.display()));
            return record;
        }
    };
    let Ok(document) = serde_json::from_slice::<Value>(&output.stdout) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        record.error = Some(format!(
            "preview failed ({}): {}",
            output.status,
            stderr.trim()
        ));
        return record;
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

    /// Check the event's stacks at `now`.
    async fn handle(&self, request: Request, now: Timestamp) -> Result<Checked, HandlerError> {
        if request.stacks.is_empty() {
            return Err(HandlerError::invalid(
                "stacks",
                "at least one stack name, e.g. [\"compute-prod\"]",
            ));
        }
        let mut results = Vec::with_capacity(request.stacks.len());
        for stack in &request.stacks {
            let record = preview(&self.settings, stack, now).await;
            self.records.put(&record).await?;
            if record.has_drift && request.dry_run != Some(true) {
                let message = format!("{stack} drifted: {}", record.drift_details.join(", "));
                let alert = PublishedMessage {
                    subject: format!("[WARNING] infrastructure drift in {stack}"),
                    message,
                    attributes: Default::default(),
                };
                crate::alert(self.notifier.as_ref(), alert).await;
            }
            results.push(record);
        }
        Ok(Checked { stacks: results })
    }
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::{Order, TableLayout};
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use serde_json::json;

    use super::*;
    use crate::registry::Serve;

    /// A stand-in `pulumi` executable answering a preview with `changes` to `stack`.
    fn fake_cli(dir: &std::path::Path) -> PathBuf {
        let path = dir.join("pulumi");
        let script = r#"#!/bin/sh
case "$3" in
  compute-prod) echo '{"changeSummary":{"update":1,"same":40},"steps":[{"op":"update","urn":"urn:pulumi:compute-prod::tradai::aws:lambda/function:Function::health-check"},{"op":"same","urn":"x"}]}'; exit 255;;
  broken-prod) echo 'error: no stack named broken-prod' >&2; exit 255;;
  *) echo '{"changeSummary":{"same":12},"steps":[]}';;
esac
"#;
        std::fs::write(&path, script).expect("script");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[tokio::test]
    async fn drift_no_drift_errors_and_a_missing_cli() {
        let dir = std::env::temp_dir().join(format!("tradai-pulumi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let config = tradai_test_support::config_with_prefix("lambda");
        let records = Arc::new(MemoryRecordStore::<InfraDriftRecord>::new(
            TableLayout::from_spec(
                "infra-drift-state",
                &config.settings().tables["infra-drift-state"],
            ),
        ));
        let notifier = Arc::new(MemoryNotifier::new());
        let settings = Settings {
            binary: fake_cli(&dir),
            project_dir: dir.clone(),
            ttl_seconds: 86_400,
        };
        let detector =
            PulumiDriftDetector::new(records.clone(), notifier.clone(), settings.clone());
        let now = Timestamp::now();
        let answer = detector
            .serve(
                json!({"stacks": ["compute-prod", "edge-prod", "broken-prod"]}),
                now,
                "dev",
            )
            .await
            .expect("answer");
        let answer = &answer["body"]["data"];
        let stacks = answer["stacks"].as_array().expect("stacks");
        assert_eq!(
            (
                stacks[0]["has_drift"].clone(),
                stacks[0]["resources_to_update"].clone()
            ),
            (json!(true), json!(1))
        );
        assert_eq!(stacks[0]["drift_details"], json!(["update urn:pulumi:compute-prod::tradai::aws:lambda/function:Function::health-check"]));
        assert_eq!(
            (
                stacks[1]["has_drift"].clone(),
                stacks[1]["resources_unchanged"].clone()
            ),
            (json!(false), json!(12))
        );
        assert_eq!(stacks[1]["error"], Value::Null);
        assert!(
            !stacks[1].as_object().expect("record").contains_key("error"),
            "no error key when previewed"
        );
        assert!(stacks[2]["error"]
            .as_str()
            .expect("error")
            .contains("no stack named broken-prod"));
        assert_eq!(notifier.published().len(), 1, "one drift, one alert");
        assert_eq!(
            records
                .query("compute-prod", Order::NewestFirst, 5)
                .await
                .expect("records")
                .len(),
            1
        );

        let missing = Settings {
            binary: dir.join("no-pulumi-here"),
            ..settings.clone()
        };
        let detector = PulumiDriftDetector {
            settings: missing,
            ..detector
        };
        let answer = detector
            .serve(json!({"stacks": ["compute-prod"]}), now, "dev")
            .await
            .expect("answer");
        let answer = &answer["body"]["data"];
        assert!(answer["stacks"][0]["error"]
            .as_str()
            .expect("error")
            .starts_with("the pulumi CLI is not installed"));
        assert!(
            matches!(
                detector.serve(json!({}), now, "dev").await,
                Err(HandlerError::Validation { field, .. }) if field == "stacks"
            ),
            "no stacks is an input error"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
