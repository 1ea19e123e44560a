//! `tradai hyperopt …` against `tradai local up`: the backend forwards the sweep routes to the strategy
//! service, which runs the config's hyperopt workflow in its process.

use serde_json::Value;

use crate::helpers::{fails, succeeds, tradai};
use crate::platform::LocalPlatform;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn submit_watch_best_list_and_cancel_a_sweep() {
    let platform = LocalPlatform::start();
    let cli = |args: &[&str]| {
        let mut cmd = tradai();
        cmd.env("TRADAI_API_URL", &platform.backend)
            .env("TRADAI_TOKEN", &platform.token)
            .args(args);
        cmd
    };
    let done = json(&succeeds(&mut cli(&[
        "hyperopt",
        "submit",
        "--strategy",
        "sma-crossover",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-01",
        "--trials",
        "12",
        "--seed",
        "4",
        "--wait",
        "--output",
        "json",
    ])));
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["progress"]["trials_done"], 12, "{done}");
    let id = done["job_id"].as_str().expect("id").to_owned();

    let table = succeeds(&mut cli(&["hyperopt", "status", &id]));
    assert!(
        table.contains("status    COMPLETED") && table.contains("12/12 trials"),
        "{table}"
    );
    let best = json(&succeeds(&mut cli(&[
        "hyperopt", "best", &id, "--output", "json",
    ])));
    assert_eq!(best["best"], done["progress"]["best"], "{best}");
    let shown = succeeds(&mut cli(&["hyperopt", "best", &id]));
    assert!(shown.contains("entry.fast"), "{shown}");
    let page = json(&succeeds(&mut cli(&[
        "hyperopt", "list", "--output", "json",
    ])));
    assert_eq!(page["items"][0]["job_id"], id.as_str(), "{page}");

    // An ended sweep cannot be cancelled (409, exit 1); a bad flag value comes back with its field.
    let refused = fails(&mut cli(&["hyperopt", "cancel", &id]));
    assert!(refused.contains("409"), "{refused}");
    let refused = fails(&mut cli(&[
        "hyperopt",
        "submit",
        "--strategy",
        "sma-crossover",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-01",
        "--sampler",
        "cmaes",
    ]));
    assert!(
        refused.contains("VAL005") && refused.contains("sampler"),
        "{refused}"
    );

    // A long sweep cancelled while it runs ends CANCELLED; `status` exits 1 for it.
    let started = json(&succeeds(&mut cli(&[
        "hyperopt",
        "submit",
        "--strategy",
        "sma-crossover",
        "--start",
        "2024-02-01",
        "--end",
        "2024-03-01",
        "--trials",
        "10000",
        "--output",
        "json",
    ])));
    let long = started["job_id"].as_str().expect("id").to_owned();
    let cancelled = succeeds(&mut cli(&["hyperopt", "cancel", &long]));
    assert!(cancelled.contains("CANCELLED"), "{cancelled}");
    cli(&["hyperopt", "status", &long]).assert().failure();

    let (exited_cleanly, _) = platform.stop();
    assert!(exited_cleanly);
}
