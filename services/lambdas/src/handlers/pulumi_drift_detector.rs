//! pulumi-drift-detector (§10.2 #17, §10.3): `pulumi preview --expect-no-changes --json` per stack; a stack
//! whose preview plans changes has drifted. Each stack's result is recorded (infra-drift-state, with a TTL)
//! and a drift alerts; a stack that cannot be previewed — the CLI missing from the runtime included — is an
//! error entry that does not stop the others.

use std::path::PathBuf;

use serde_json::{json, Value};
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

/// What it talks to.
pub struct Dependencies<'a> {
    pub records: &'a dyn RecordStore<InfraDriftRecord>,
    pub notifier: &'a dyn Notifier,
    pub settings: &'a Settings,
}

crate::debug_showing!(Dependencies, settings);

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

/// Check `input.stacks` at `now`; the `data` of the answer.
pub async fn handle(
    deps: &Dependencies<'_>,
    input: &Value,
    now: Timestamp,
) -> Result<Value, HandlerError> {
    let stacks: Vec<&str> = input["stacks"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if stacks.is_empty() {
        return Err(HandlerError::invalid(
            "stacks",
            "at least one stack name, e.g. [\"compute-prod\"]",
        ));
    }
    let mut results = Vec::new();
    for stack in stacks {
        let record = preview(deps.settings, stack, now).await;
        deps.records.put(&record).await?;
        if record.has_drift && input["dry_run"].as_bool() != Some(true) {
            let message = format!("{stack} drifted: {}", record.drift_details.join(", "));
            let alert = PublishedMessage {
                subject: format!("[WARNING] infrastructure drift in {stack}"),
                message,
                attributes: Default::default(),
            };
            crate::alert(deps.notifier, alert).await;
        }
        results.push(serde_json::to_value(&record).unwrap_or_default());
    }
    Ok(json!({"stacks": results}))
}

#[cfg(test)]
mod tests {
    use tradai_domain::ports::{Order, TableLayout};
    use tradai_memory::{MemoryNotifier, MemoryRecordStore};

    use super::*;

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
        let records = MemoryRecordStore::<InfraDriftRecord>::new(TableLayout::from_spec(
            "infra-drift-state",
            &config.settings().tables["infra-drift-state"],
        ));
        let notifier = MemoryNotifier::new();
        let settings = Settings {
            binary: fake_cli(&dir),
            project_dir: dir.clone(),
            ttl_seconds: 86_400,
        };
        let deps = Dependencies {
            records: &records,
            notifier: &notifier,
            settings: &settings,
        };
        let now = Timestamp::now();
        let answer = handle(
            &deps,
            &json!({"stacks": ["compute-prod", "edge-prod", "broken-prod"]}),
            now,
        )
        .await
        .expect("answer");
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
        let deps = Dependencies {
            settings: &missing,
            ..deps
        };
        let answer = handle(&deps, &json!({"stacks": ["compute-prod"]}), now)
            .await
            .expect("answer");
        assert!(answer["stacks"][0]["error"]
            .as_str()
            .expect("error")
            .starts_with("the pulumi CLI is not installed"));
        assert!(
            handle(&deps, &json!({}), now).await.is_err(),
            "no stacks is an input error"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
