//! `tradai deploy` and `tradai infra status` with a stand-in `pulumi` (a script that records its arguments and
//! fails where told): the layer order, the stop at the first failure, and a missing CLI.

use std::path::{Path, PathBuf};

use crate::helpers::{fails, tradai};

/// A `pulumi` that logs each call to `log` and fails `up` of the stack in `$FAIL_STACK`.
fn fake_pulumi(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("calls.log");
    let script = dir.join("pulumi");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> {log}\n\
             case \"$1\" in\n\
             up) case \"$*\" in *\"--stack $FAIL_STACK \"*) echo boom >&2; exit 1;; esac;;\n\
             preview) case \"$*\" in *--expect-no-changes*) case \"$*\" in *persistent*) exit 0;; *) exit 1;; esac;; esac;;\n\
             stack) if [ \"$2\" = output ]; then case \"$*\" in *edge*|*\"${{NOT_DEPLOYED:-none}}\"*) echo 'no stack' >&2; exit 255;; *) echo '{{\"vpc_id\": \"vpc-1\"}}';; esac; fi;;\n\
             esac\nexit 0\n",
            log = log.display()
        ),
    )
    .expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    (script, log)
}

fn calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn layers_deploy_in_order_and_stop_at_the_first_failure() {
    let dir = tempfile::tempdir().expect("dir");
    let (pulumi, log) = fake_pulumi(dir.path());
    tradai()
        .env("TRADAI_PULUMI", &pulumi)
        .args(["deploy", "--env", "staging", "--stacks", "edge,persistent"])
        .assert()
        .success();
    let ups: Vec<String> = calls(&log)
        .into_iter()
        .filter(|c| c.starts_with("up"))
        .collect();
    assert_eq!(ups.len(), 2);
    assert!(
        ups[0].contains("--stack persistent-staging") && ups[1].contains("--stack edge-staging"),
        "{ups:?}"
    );

    std::fs::remove_file(&log).expect("reset");
    let out = tradai()
        .env("TRADAI_PULUMI", &pulumi)
        .env("FAIL_STACK", "foundation-dev")
        .args(["deploy", "--env", "dev", "--skip-unchanged"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("foundation: `pulumi up` of foundation-dev failed"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("persistent-dev: up to date, skipped"),
        "{stdout}"
    );
    let made = calls(&log);
    assert!(
        !made
            .iter()
            .any(|c| c.contains("compute-dev") || c.contains("edge-dev")),
        "nothing after the failure: {made:?}"
    );

    std::fs::remove_file(&log).expect("reset");
    tradai()
        .env("TRADAI_PULUMI", &pulumi)
        .args([
            "deploy",
            "--env",
            "prod",
            "--preview",
            "--stacks",
            "compute",
        ])
        .assert()
        .success();
    assert!(calls(&log)
        .iter()
        .any(|c| c.starts_with("preview --stack compute-prod")));
    assert!(
        !calls(&log).iter().any(|c| c.starts_with("up")),
        "a preview changes nothing"
    );
}

/// A first deploy into an empty account: a layer whose upstream is not deployed yet is skipped with a message
/// rather than failing the preview.
#[test]
fn a_first_preview_skips_layers_whose_upstream_is_not_deployed() {
    let dir = tempfile::tempdir().expect("dir");
    let (pulumi, log) = fake_pulumi(dir.path());
    let out = tradai()
        .env("TRADAI_PULUMI", &pulumi)
        .env("NOT_DEPLOYED", "-dev")
        .args(["deploy", "--env", "dev", "--preview"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8_lossy(&out);
    for (stack, upstream) in [
        ("foundation-dev", "persistent-dev"),
        ("compute-dev", "foundation-dev"),
        ("edge-dev", "compute-dev"),
    ] {
        assert!(
            stdout.contains(&format!(
                "== {stack}: skipped, {upstream} is not deployed yet"
            )),
            "{stdout}"
        );
    }
    let previews: Vec<String> = calls(&log)
        .into_iter()
        .filter(|c| c.starts_with("preview"))
        .collect();
    assert_eq!(previews.len(), 1, "{previews:?}");
    assert!(previews[0].starts_with("preview --stack persistent-dev"));
}

#[test]
fn status_summarises_outputs_and_bad_input_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let (pulumi, _) = fake_pulumi(dir.path());
    let out = tradai()
        .env("TRADAI_PULUMI", &pulumi)
        .args(["infra", "status", "--env", "dev"])
        .assert()
        .failure()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8_lossy(&out);
    assert!(
        out.contains("persistent-dev: 1 outputs") && out.contains("vpc-1"),
        "{out}"
    );
    assert!(out.contains("edge-dev: not deployed (no stack)"), "{out}");

    let missing = fails(
        tradai()
            .env("TRADAI_PULUMI", dir.path().join("no-such-pulumi"))
            .args(["deploy", "--env", "dev"]),
    );
    assert!(missing.as_str().contains("is not installed or not on PATH"));
    let bad = fails(tradai().args(["deploy", "--env", "dev", "--stacks", "network"]));
    assert!(bad
        .as_str()
        .contains("--stacks network: expected persistent, foundation, compute or edge"));
    let bad = fails(tradai().args(["deploy", "--env", "qa"]));
    assert!(bad.as_str().contains("--env"), "{}", bad.as_str());
}
