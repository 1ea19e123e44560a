//! One valid sample of every record type.

use serde_json::json;
use tradai_domain::entities::*;
use tradai_domain::{ConfigVersionStatus, RetrainingStatus, TradingStatus};

/// A time given as RFC 3339.
pub fn at(text: &str) -> Timestamp {
    text.parse().expect("sample time is valid")
}

/// A backtest config.
pub fn backtest_config() -> BacktestConfig {
    serde_json::from_value(
        json!({"strategy": "sma-crossover", "start_date": "2026-01-01", "end_date": "2026-02-01"}),
    )
    .expect("sample config")
}

/// A PENDING job created at `created_at`, with the given ids.
pub fn job(job_id: &str, trace_id: &str, created_at: &str) -> BacktestJob {
    BacktestJob::with_ids(
        job_id.into(),
        trace_id.into(),
        backtest_config(),
        at(created_at),
    )
}

/// A rollback of `model` at `when`.
pub fn rollback(model: &str, when: &str) -> RollbackRecord {
    RollbackRecord {
        model_name: model.into(),
        rolled_back_at: at(when),
        from_version: "3".into(),
        to_version: "2".into(),
        reason: RollbackReason::ManualRequest,
        alarm_name: None,
    }
}

/// A notification throttle marker expiring at `ttl` (epoch seconds).
pub fn notification(key: &str, ttl: i64) -> NotificationRecord {
    NotificationRecord {
        throttle_key: key.into(),
        notification_type: "BACKTEST_COMPLETE".into(),
        severity: Severity::Info,
        sent_at: at("2026-01-01T00:00:00Z"),
        ttl,
    }
}

/// Every record type as JSON, keyed by its table: what the config-agreement test checks.
pub fn every_record() -> Vec<(&'static str, serde_json::Value)> {
    let t = at("2026-01-01T00:00:00Z");
    let value = |v: Result<serde_json::Value, serde_json::Error>| v.expect("sample serialises");
    vec![
        (
            BacktestJob::TABLE,
            value(serde_json::to_value(job("j", "t", "2026-01-01T00:00:00Z"))),
        ),
        (
            HealthRecord::TABLE,
            value(serde_json::to_value(HealthRecord {
                service_name: "backend-api".into(),
                status: HealthState::Healthy,
                consecutive_failures: 0,
                last_checked: t,
                latency_ms: Some(12),
                message: None,
                ttl: 1,
            })),
        ),
        (
            TradingSession::TABLE,
            value(serde_json::to_value(TradingSession {
                strategy_id: "s".into(),
                status: TradingStatus::Running,
                mode: TradingMode::DryRun,
                last_heartbeat: Some(t),
                task_arn: None,
                model_version: None,
                updated_at: t,
            })),
        ),
        (
            DriftRecord::TABLE,
            value(serde_json::to_value(DriftRecord {
                model_name: "m".into(),
                checked_at: t,
                overall_psi: 0.3,
                severity: DriftSeverity::Significant,
                metric_drifts: vec![],
                requires_attention: true,
            })),
        ),
        (
            RetrainingRecord::TABLE,
            value(serde_json::to_value(RetrainingRecord {
                model_name: "m".into(),
                status: RetrainingStatus::Pending,
                trigger: RetrainingTrigger::Scheduled,
                last_retrained: None,
                task_arn: None,
                last_execution: None,
                error: None,
                updated_at: t,
            })),
        ),
        (
            RollbackRecord::TABLE,
            value(serde_json::to_value(rollback("m", "2026-01-01T00:00:00Z"))),
        ),
        (
            NotificationRecord::TABLE,
            value(serde_json::to_value(notification("k", 1))),
        ),
        (
            IdempotencyRecord::TABLE,
            value(serde_json::to_value(IdempotencyRecord {
                idempotency_key: "k".into(),
                job_id: "j".into(),
                request_hash: "h".into(),
                created_at: t,
                ttl: 1,
            })),
        ),
        (
            InfraDriftRecord::TABLE,
            value(serde_json::to_value(InfraDriftRecord {
                stack_name: "compute-dev".into(),
                checked_at: t,
                has_drift: false,
                resources_to_create: 0,
                resources_to_update: 0,
                resources_to_delete: 0,
                resources_unchanged: 9,
                drift_details: vec![],
                error: None,
                ttl: 1,
            })),
        ),
        (
            ConfigVersion::TABLE,
            value(serde_json::to_value(ConfigVersion {
                status: ConfigVersionStatus::Active,
                ..ConfigVersion::draft("s".into(), json!({"a": 1}), String::new(), t)
            })),
        ),
        (
            DeploymentRecord::TABLE,
            value(serde_json::to_value(DeploymentRecord {
                service_name: "backend-api".into(),
                deployed_at: t,
                deployment_id: "d".into(),
                image_tag: "v0.1.1".into(),
                status: DeploymentStatus::Succeeded,
                actor: "ci".into(),
            })),
        ),
        (
            ShadowTest::TABLE,
            value(serde_json::to_value(ShadowTest {
                test_id: "x".into(),
                strategy_name: "s".into(),
                champion_version: "1".into(),
                challenger_version: "2".into(),
                status: ShadowTestStatus::Running,
                started_at: t,
                ends_at: t,
                metrics: json!({}),
            })),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use tradai_config::{AttributeType, Environment, Loader};

    /// Every table of the config has a record type, and each record carries the table's key attributes (with
    /// their types), every index key, and a numeric TTL attribute where the table expires items.
    #[test]
    fn every_record_type_matches_its_table_in_the_config() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let tables = &config.settings().tables;
        let records = super::every_record();
        let mut covered: Vec<&str> = records.iter().map(|(t, _)| *t).collect();
        covered.sort_unstable();
        assert_eq!(
            covered,
            tables.keys().map(String::as_str).collect::<Vec<_>>(),
            "one record type per table"
        );
        for (table, value) in &records {
            let spec = &tables[*table];
            for key in spec.key_attributes() {
                let attr = value
                    .get(&key.name)
                    .unwrap_or_else(|| panic!("{table}: record lacks key attribute {}", key.name));
                let fits = match key.kind {
                    AttributeType::S => attr.is_string(),
                    AttributeType::N => attr.is_number(),
                    AttributeType::B => false,
                };
                assert!(
                    fits,
                    "{table}: {} must be {:?}, is {attr}",
                    key.name, key.kind
                );
            }
            if let Some(ttl) = &spec.ttl_attribute {
                assert!(
                    value.get(ttl).is_some_and(serde_json::Value::is_i64),
                    "{table}: TTL attribute {ttl} must be epoch seconds"
                );
            }
        }
    }
}
