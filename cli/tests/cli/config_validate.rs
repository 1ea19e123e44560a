//! `tradai config validate`.

use predicates::prelude::*;

use crate::helpers::Workspace;

/// Every shipped environment is valid, and the summary counts what the config defines.
#[test]
fn validates_every_environment_by_default() {
    let ws = Workspace::new();
    let out = ws
        .tradai(&["config", "validate"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out), @r"
    dev: valid (7 services, 12 tables, 5 buckets, 2 queues, 2 topics, 19 lambdas, 3 workflows, 26 ECR repositories)
    staging: valid (7 services, 12 tables, 5 buckets, 2 queues, 2 topics, 19 lambdas, 3 workflows, 26 ECR repositories)
    prod: valid (7 services, 12 tables, 5 buckets, 2 queues, 2 topics, 19 lambdas, 3 workflows, 26 ECR repositories)
    ");
}

/// Problems go to stderr with file, key, value and what is allowed; the exit code is 1.
#[test]
fn exits_1_and_lists_every_problem() {
    let ws = Workspace::new();
    ws.append(
        "staging",
        "[lambdas.health-check]\ntimeout_seconds = 901\n\n[waf]\nrate_limit_window_seconds = 30\n",
    );
    let out = ws
        .tradai(&["config", "validate", "--env", "staging"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    insta::assert_snapshot!(ws.redact(&out.stderr), @r"
    staging: 2 config problems:
      - <dir>/staging.toml: lambdas.health-check.timeout_seconds = 901: Lambda timeout above 900 s (the AWS maximum); allowed: 1 to 900
      - <dir>/staging.toml: waf.rate_limit_window_seconds = 30: not a window WAF supports; allowed: 60, 120, 300 or 600
    ");
}

/// An unknown environment is rejected with the allowed values.
#[test]
fn rejects_an_unknown_environment() {
    let ws = Workspace::new();
    ws.tradai(&["config", "validate", "--env", "qa"])
        .assert()
        .code(1)
        .stderr("error: --env: unknown environment 'qa': allowed values are dev, staging, prod\n");
}

/// TRADAI_<SECTION>__<KEY> variables are validated like file values and named in the message.
#[test]
fn names_a_bad_environment_variable() {
    let ws = Workspace::new();
    ws.tradai(&["config", "validate", "--env", "dev"])
        .env("TRADAI_LOGGING__RETENTION_DAYS", "10")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "environment variable TRADAI_LOGGING__RETENTION_DAYS: logging.retention_days = 10: not a retention CloudWatch Logs accepts",
        ));
}
