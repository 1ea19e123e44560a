//! Rules on workflows, the database, Cognito, WAF, logs and alarms.

use super::{in_range, no_duplicates, quoted};
use crate::problem::Problem;
use crate::{Settings, WorkflowKind};

/// Retention periods CloudWatch Logs accepts, in days.
const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    check_workflows(s, out);
    check_database(s, out);
    check_cognito(s, out);
    let waf = &s.waf;
    in_range(
        out,
        "waf.rate_limit".into(),
        waf.rate_limit,
        10..=2_000_000_000,
        "rate limit",
    );
    in_range(
        out,
        "waf.per_caller_rate_limit".into(),
        waf.per_caller_rate_limit,
        10..=2_000_000_000,
        "rate limit",
    );
    if ![60, 120, 300, 600].contains(&waf.rate_limit_window_seconds) {
        out.push(Problem::new(
            "waf.rate_limit_window_seconds",
            waf.rate_limit_window_seconds,
            "not a window WAF supports",
            "60, 120, 300 or 600",
        ));
    }
    for (index, group) in waf.managed_rule_groups.iter().enumerate() {
        let ok = group.strip_prefix("AWSManagedRules").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !ok {
            out.push(Problem::new(
                format!("waf.managed_rule_groups[{index}]"),
                quoted(group),
                "not an AWS managed rule group name",
                "a name like AWSManagedRulesCommonRuleSet",
            ));
        }
    }
    no_duplicates(
        out,
        &waf.managed_rule_groups,
        |i| format!("waf.managed_rule_groups[{i}]"),
        String::as_str,
        "rule group",
    );
    if !LOG_RETENTION_DAYS.contains(&s.logging.retention_days) {
        let allowed = LOG_RETENTION_DAYS
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Problem::new(
            "logging.retention_days",
            s.logging.retention_days,
            "not a retention CloudWatch Logs accepts",
            allowed,
        ));
    }
    let alarms = &s.alarms;
    in_range(
        out,
        "alarms.api_latency_ms".into(),
        alarms.api_latency_ms,
        1..=60_000,
        "latency threshold",
    );
    in_range(
        out,
        "alarms.heartbeat_stale_minutes".into(),
        alarms.heartbeat_stale_minutes,
        1..=1440,
        "heartbeat threshold",
    );
    in_range(
        out,
        "alarms.lambda_errors_threshold".into(),
        alarms.lambda_errors_threshold,
        1..=10_000,
        "error threshold",
    );
    if alarms.period_seconds == 0 || alarms.period_seconds % 60 != 0 {
        out.push(Problem::new(
            "alarms.period_seconds",
            alarms.period_seconds,
            "alarm periods are whole minutes",
            "a positive multiple of 60",
        ));
    }
    let org = &s.project.pulumi_organization;
    if org.is_empty()
        || !org
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        out.push(Problem::new(
            "project.pulumi_organization",
            quoted(org),
            "not a Pulumi organization name",
            "letters, digits, - _ .",
        ));
    }
}

fn check_workflows(s: &Settings, out: &mut Vec<Problem>) {
    for (key, workflow) in &s.workflows {
        let path = format!("workflows.{key}");
        let max = match workflow.kind {
            WorkflowKind::Standard => 31_536_000,
            WorkflowKind::Express => 300,
        };
        in_range(
            out,
            format!("{path}.timeout_seconds"),
            workflow.timeout_seconds,
            1..=max,
            "timeout for this workflow type",
        );
        let retry = &workflow.lambda_retry;
        in_range(
            out,
            format!("{path}.lambda_retry.interval_seconds"),
            retry.interval_seconds,
            1..=3600,
            "retry interval",
        );
        in_range(
            out,
            format!("{path}.lambda_retry.max_attempts"),
            retry.max_attempts,
            0..=10,
            "retry attempts",
        );
        in_range(
            out,
            format!("{path}.lambda_retry.backoff_rate"),
            retry.backoff_rate,
            1.0..=10.0,
            "backoff rate",
        );
        if retry.max_delay_seconds < retry.interval_seconds {
            out.push(Problem::new(
                format!("{path}.lambda_retry.max_delay_seconds"),
                retry.max_delay_seconds,
                "the cap is below the first interval",
                format!("at least interval_seconds ({})", retry.interval_seconds),
            ));
        }
        check_map(key, workflow, out);
    }
}

/// A distributed Map's bounds; the hyperopt workflow needs them (its trials run as Map items).
fn check_map(key: &str, workflow: &crate::WorkflowSpec, out: &mut Vec<Problem>) {
    let path = format!("workflows.{key}.map");
    let Some(map) = &workflow.map else {
        if key == "hyperopt" {
            out.push(Problem::new(
                path,
                "(absent)",
                "the hyperopt workflow runs its trials as a distributed Map",
                "{ max_concurrency, tolerated_failure_percentage, trials_per_item }",
            ));
        }
        return;
    };
    in_range(
        out,
        format!("{path}.max_concurrency"),
        map.max_concurrency,
        1..=10_000,
        "concurrent child executions",
    );
    in_range(
        out,
        format!("{path}.tolerated_failure_percentage"),
        map.tolerated_failure_percentage,
        0..=100,
        "tolerated failure percentage",
    );
    in_range(
        out,
        format!("{path}.trials_per_item"),
        map.trials_per_item,
        1..=1_000,
        "trials per item",
    );
}

fn check_database(s: &Settings, out: &mut Vec<Problem>) {
    let db = &s.database;
    let version_ok = db
        .engine_version
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && db
            .engine_version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| (13..=17).contains(&m));
    if !version_ok {
        out.push(Problem::new(
            "database.engine_version",
            quoted(&db.engine_version),
            "not a supported PostgreSQL version",
            "<major>.<minor> with major 13 to 17, e.g. 15.13",
        ));
    }
    if !db
        .instance_class
        .strip_prefix("db.")
        .is_some_and(super::network::is_instance_type)
    {
        out.push(Problem::new(
            "database.instance_class",
            quoted(&db.instance_class),
            "not an RDS instance class",
            "db.<family>.<size>, e.g. db.t4g.micro",
        ));
    }
    in_range(
        out,
        "database.allocated_storage_gib".into(),
        db.allocated_storage_gib,
        20..=65_536,
        "storage",
    );
    if db.max_allocated_storage_gib < db.allocated_storage_gib {
        out.push(Problem::new(
            "database.max_allocated_storage_gib",
            db.max_allocated_storage_gib,
            "the autoscaling ceiling is below the initial storage",
            format!("at least {}", db.allocated_storage_gib),
        ));
    }
    in_range(
        out,
        "database.backup_retention_days".into(),
        db.backup_retention_days,
        1..=35,
        "backup retention",
    );
    in_range(
        out,
        "database.secret_rotation_days".into(),
        db.secret_rotation_days,
        1..=365,
        "rotation interval",
    );
    in_range(
        out,
        "database.port".into(),
        db.port,
        1150..=65_535,
        "RDS port",
    );
    let name_ok = db
        .database_name
        .starts_with(|c: char| c.is_ascii_alphabetic())
        && db.database_name.len() <= 63
        && db
            .database_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !name_ok {
        out.push(Problem::new(
            "database.database_name",
            quoted(&db.database_name),
            "not a PostgreSQL database name",
            "a letter, then up to 62 letters, digits or _",
        ));
    }
}

fn check_cognito(s: &Settings, out: &mut Vec<Problem>) {
    let c = &s.cognito;
    if !super::is_component(&c.user_pool) {
        out.push(Problem::new(
            "cognito.user_pool",
            quoted(&c.user_pool),
            "not a valid name component",
            "lower-case words joined by hyphens, e.g. users",
        ));
    }
    for (index, attr) in c.sign_in_attributes.iter().enumerate() {
        if !matches!(attr.as_str(), "email" | "phone_number") {
            out.push(Problem::new(
                format!("cognito.sign_in_attributes[{index}]"),
                quoted(attr),
                "Cognito signs users in by email or phone number",
                "email, phone_number",
            ));
        }
    }
    if c.sign_in_attributes.is_empty() {
        out.push(Problem::new(
            "cognito.sign_in_attributes",
            "[]",
            "users need an attribute to sign in with",
            "email and/or phone_number",
        ));
    }
    in_range(
        out,
        "cognito.password.min_length".into(),
        c.password.min_length,
        8..=99,
        "password length",
    );
    in_range(
        out,
        "cognito.password.temporary_password_validity_days".into(),
        c.password.temporary_password_validity_days,
        1..=365,
        "temporary password validity",
    );
    in_range(
        out,
        "cognito.access_token_validity_minutes".into(),
        c.access_token_validity_minutes,
        5..=1440,
        "access-token lifetime",
    );
    in_range(
        out,
        "cognito.id_token_validity_minutes".into(),
        c.id_token_validity_minutes,
        5..=1440,
        "ID-token lifetime",
    );
    in_range(
        out,
        "cognito.refresh_token_validity_days".into(),
        c.refresh_token_validity_days,
        1..=3650,
        "refresh-token lifetime",
    );
    let refresh_minutes = u64::from(c.refresh_token_validity_days) * 1440;
    if refresh_minutes
        <= u64::from(
            c.access_token_validity_minutes
                .max(c.id_token_validity_minutes),
        )
    {
        out.push(Problem::new(
            "cognito.refresh_token_validity_days",
            c.refresh_token_validity_days,
            "refresh tokens must outlive access and ID tokens",
            "a longer lifetime than the access and ID tokens",
        ));
    }
    for (section, urls) in [
        ("callback_urls", &c.callback_urls),
        ("logout_urls", &c.logout_urls),
    ] {
        for (index, url) in urls.iter().enumerate() {
            let ok = url.starts_with("https://")
                || url.starts_with("http://localhost")
                || url.starts_with("http://127.0.0.1");
            if !ok {
                out.push(Problem::new(
                    format!("cognito.{section}[{index}]"),
                    quoted(url),
                    "Cognito accepts plain http only for localhost",
                    "an https:// URL, or http://localhost…",
                ));
            }
        }
    }
    let server = &c.resource_server;
    for (index, scope) in c.m2m_scopes.iter().enumerate() {
        let known = scope
            .strip_prefix(&format!("{}/", server.identifier))
            .is_some_and(|name| server.scopes.iter().any(|s| s == name));
        if !known {
            let allowed = server
                .scopes
                .iter()
                .map(|s| format!("{}/{s}", server.identifier))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Problem::new(
                format!("cognito.m2m_scopes[{index}]"),
                quoted(scope),
                "not a scope of cognito.resource_server",
                allowed,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};
    use crate::WorkflowKind;

    #[test]
    fn rejects_workflow_timeouts_beyond_the_type_limit_and_bad_retries() {
        let mut s = valid();
        let wf = s.workflows.get_mut("backtest").expect("wf");
        wf.kind = WorkflowKind::Express;
        wf.lambda_retry.backoff_rate = 0.5;
        wf.lambda_retry.max_delay_seconds = 1;
        expect_problem(&s, "workflows.backtest.timeout_seconds", "1 to 300");
        expect_problem(
            &s,
            "workflows.backtest.lambda_retry.backoff_rate",
            "1 to 10",
        );
        expect_problem(
            &s,
            "workflows.backtest.lambda_retry.max_delay_seconds",
            "below the first interval",
        );
    }

    #[test]
    fn rejects_database_settings_rds_does_not_accept() {
        let mut s = valid();
        s.database.engine_version = "9.6".into();
        s.database.instance_class = "t4g.micro".into();
        s.database.max_allocated_storage_gib = 10;
        s.database.backup_retention_days = 0;
        s.database.database_name = "1mlflow".into();
        expect_problem(
            &s,
            "database.engine_version",
            "not a supported PostgreSQL version",
        );
        expect_problem(&s, "database.instance_class", "not an RDS instance class");
        expect_problem(
            &s,
            "database.max_allocated_storage_gib",
            "below the initial storage",
        );
        expect_problem(&s, "database.backup_retention_days", "1 to 35");
        expect_problem(
            &s,
            "database.database_name",
            "not a PostgreSQL database name",
        );
    }

    #[test]
    fn rejects_cognito_settings_outside_limits() {
        let mut s = valid();
        s.cognito.password.min_length = 6;
        s.cognito.access_token_validity_minutes = 2;
        s.cognito.callback_urls.push("http://example.com/cb".into());
        s.cognito
            .m2m_scopes
            .push("tradai-api/delete-everything".into());
        s.cognito.sign_in_attributes = vec!["username".into()];
        expect_problem(&s, "cognito.password.min_length", "8 to 99");
        expect_problem(&s, "cognito.access_token_validity_minutes", "5 to 1440");
        expect_problem(&s, "cognito.callback_urls[1]", "only for localhost");
        let p = expect_problem(
            &s,
            "cognito.m2m_scopes[1]",
            "not a scope of cognito.resource_server",
        );
        assert!(p.allowed.contains("tradai-api/data.sync"), "{p}");
        expect_problem(
            &s,
            "cognito.sign_in_attributes[0]",
            "by email or phone number",
        );
    }

    #[test]
    fn rejects_refresh_tokens_that_expire_before_access_tokens() {
        let mut s = valid();
        s.cognito.refresh_token_validity_days = 1;
        s.cognito.access_token_validity_minutes = 1440;
        expect_problem(&s, "cognito.refresh_token_validity_days", "must outlive");
    }

    #[test]
    fn rejects_waf_limits_windows_and_rule_groups_aws_does_not_have() {
        let mut s = valid();
        s.waf.rate_limit = 5;
        s.waf.rate_limit_window_seconds = 30;
        s.waf.managed_rule_groups.push("MyRules".into());
        expect_problem(&s, "waf.rate_limit", "10 to 2000000000");
        expect_problem(&s, "waf.rate_limit_window_seconds", "60, 120, 300 or 600");
        expect_problem(
            &s,
            "waf.managed_rule_groups[3]",
            "not an AWS managed rule group name",
        );
    }

    #[test]
    fn rejects_log_retention_and_alarm_periods_cloudwatch_does_not_accept() {
        let mut s = valid();
        s.logging.retention_days = 10;
        s.alarms.period_seconds = 90;
        s.project.pulumi_organization = "my org".into();
        let p = expect_problem(
            &s,
            "logging.retention_days",
            "not a retention CloudWatch Logs accepts",
        );
        assert!(p.allowed.starts_with("1, 3, 5, 7, 14, 30"), "{p}");
        expect_problem(&s, "alarms.period_seconds", "multiple of 60");
        expect_problem(
            &s,
            "project.pulumi_organization",
            "not a Pulumi organization name",
        );
    }
}
