//! `tradai backtest …` and `tradai login --token` against `tradai local up`.

use serde_json::Value;

use crate::helpers::tradai;
use crate::platform::LocalPlatform;

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
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
    let refused = cli(&["backtest", "list"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&refused).contains("tradai login"));

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

    let done = cli(&[
        "backtest",
        "submit",
        "--strategy",
        "sma-crossover",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-01",
        "--wait",
        "--output",
        "json",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let done = json(&done);
    assert_eq!(done["job"]["status"], "COMPLETED", "{done}");
    assert!(done["metrics"]["trade_count"].as_u64().is_some(), "{done}");
    let id = done["job"]["job_id"].as_str().expect("id").to_owned();

    let status = json(
        &cli(&["backtest", "status", &id, "--output", "json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(status["status"], "COMPLETED");
    let table = cli(&["backtest", "watch", &id])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8_lossy(&table);
    assert!(
        table.contains("status    COMPLETED") && table.contains("sharpe"),
        "{table}"
    );

    let page = json(
        &cli(&[
            "backtest",
            "list",
            "--status",
            "completed",
            "--output",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout,
    );
    assert!(
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|j| j["job_id"] == id.as_str()),
        "{page}"
    );

    // A finished job cannot be cancelled: the API's reason comes through, exit 1.
    let refused = cli(&["backtest", "cancel", &id])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&refused).contains("409"),
        "{}",
        String::from_utf8_lossy(&refused)
    );

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

/// `local up --aws-endpoint`: the dev config's resources are provisioned on the emulator and a backtest runs
/// on DynamoDB, S3 and SQS there.
#[test]
fn local_up_on_the_emulator_runs_a_backtest() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL: run the tests through scripts/test, which starts the emulator");
    let platform = LocalPlatform::start_with(&["--aws-endpoint", &endpoint]);
    let done = tradai()
        .env("TRADAI_API_URL", &platform.backend)
        .env("TRADAI_TOKEN", &platform.token)
        .args([
            "backtest",
            "submit",
            "--strategy",
            "sma-crossover",
            "--start",
            "2024-02-01",
            "--end",
            "2024-02-20",
            "--wait",
            "--output",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
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
