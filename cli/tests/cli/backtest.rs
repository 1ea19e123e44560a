//! `tradai backtest …` and `tradai login --token` against `tradai local up`.

use serde_json::Value;

use crate::helpers::{fails, succeeds, tradai};
use crate::platform::LocalPlatform;

/// `backtest submit` of the sample strategy from 2024-02-01 to `end`, waiting, as JSON.
fn submit_sample(end: &str) -> [&str; 11] {
    [
        "backtest",
        "submit",
        "--strategy",
        "sma-crossover",
        "--start",
        "2024-02-01",
        "--end",
        end,
        "--wait",
        "--output",
        "json",
    ]
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn submit_wait_status_list_and_cancel_through_the_api() {
    let platform = LocalPlatform::start();
    let home = tempfile::tempdir().expect("dir");
    let token_file = home.path().join("tradai").join("token");
    let cli = |args: &[&str]| {
        let mut cmd = tradai();
        cmd.env("TRADAI_API_URL", &platform.backend)
            .env("TRADAI_CREDENTIALS", &token_file)
            .args(args);
        cmd
    };

    // Not signed in yet: the command says how to.
    let refused = fails(&mut cli(&["backtest", "list"]));
    assert!(refused.as_str().contains("tradai login"));

    cli(&["login", "--token", &platform.token])
        .assert()
        .success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file)
            .expect("token file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner reads the token");
    }

    let done = succeeds(&mut cli(&submit_sample("2024-03-01")));
    let done = json(&done);
    assert_eq!(done["job"]["status"], "COMPLETED", "{done}");
    assert!(done["metrics"]["trade_count"].as_u64().is_some(), "{done}");
    let id = done["job"]["job_id"].as_str().expect("id").to_owned();

    let status = json(&succeeds(&mut cli(&[
        "backtest", "status", &id, "--output", "json",
    ])));
    assert_eq!(status["status"], "COMPLETED");
    let table = succeeds(&mut cli(&["backtest", "watch", &id]));
    assert!(
        table.contains("status    COMPLETED") && table.contains("sharpe"),
        "{table}"
    );

    let page = json(&succeeds(&mut cli(&[
        "backtest",
        "list",
        "--status",
        "completed",
        "--output",
        "json",
    ])));
    assert!(
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|j| j["job_id"] == id.as_str()),
        "{page}"
    );

    // A finished job cannot be cancelled: the API's reason comes through, exit 1.
    let refused = fails(&mut cli(&["backtest", "cancel", &id]));
    assert!(refused.contains("409"), "{refused}");

    // An unknown strategy fails the job: `--wait` exits 1 and shows the validation error.
    let failed = cli(&[
        "backtest",
        "submit",
        "--strategy",
        "nope",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-01",
        "--wait",
    ])
    .assert()
    .failure()
    .get_output()
    .stdout
    .clone();
    let failed = String::from_utf8_lossy(&failed);
    assert!(
        failed.contains("status    FAILED") && failed.contains("nope"),
        "{failed}"
    );

    let (exited_cleanly, _) = platform.stop();
    assert!(exited_cleanly);
}

/// `local up --aws-endpoint`: what the stacks plan for dev is created on the emulator and a backtest runs on
/// DynamoDB, S3 and SQS there.
#[test]
fn local_up_on_the_emulator_runs_a_backtest() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL: run the tests through scripts/test, which starts the emulator");
    let platform = LocalPlatform::start_with(&["--aws-endpoint", &endpoint]);
    let done = succeeds(
        tradai()
            .env("TRADAI_API_URL", &platform.backend)
            .env("TRADAI_TOKEN", &platform.token)
            .args(submit_sample("2024-02-20")),
    );
    let done = json(&done);
    assert_eq!(done["job"]["status"], "COMPLETED", "{done}");
    assert!(
        done["job"]["execution_arn"]
            .as_str()
            .is_some_and(|a| a.starts_with("local:")),
        "{done}"
    );
    assert!(
        platform.banner.contains("AWS adapters on the emulator"),
        "{}",
        platform.banner
    );
    let (exited_cleanly, _) = platform.stop();
    assert!(exited_cleanly);
}
