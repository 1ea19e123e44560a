//! A `tradai` command pointed at a private copy of the config files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// A temporary copy of the workspace's config/environments.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/environments");
        let dir = tempfile::tempdir().expect("temp dir");
        for stem in ["base", "dev", "staging", "prod"] {
            let file = format!("{stem}.toml");
            std::fs::copy(shipped.join(&file), dir.path().join(&file)).expect("copy");
        }
        Workspace { dir }
    }

    pub fn file(&self, stem: &str) -> PathBuf {
        self.dir.path().join(format!("{stem}.toml"))
    }

    pub fn append(&self, stem: &str, text: &str) {
        let mut content = std::fs::read_to_string(self.file(stem)).expect("read");
        content.push('\n');
        content.push_str(text);
        std::fs::write(self.file(stem), content).expect("write");
    }

    pub fn read(&self, stem: &str) -> String {
        std::fs::read_to_string(self.file(stem)).expect("read")
    }

    /// `tradai --config-dir <copy> <args>`, isolated from the caller's TRADAI_* variables.
    pub fn tradai(&self, args: &[&str]) -> Command {
        let mut cmd = tradai();
        cmd.arg("--config-dir").arg(self.dir.path()).args(args);
        cmd
    }

    /// Run `tradai <args>`, assert success, and return its standard output.
    pub fn stdout(&self, args: &[&str]) -> String {
        let out = self
            .tradai(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).expect("utf-8 output")
    }

    /// Replace the temp path in output with `<dir>`.
    pub fn redact(&self, text: &[u8]) -> String {
        String::from_utf8_lossy(text).replace(&self.dir.path().display().to_string(), "<dir>")
    }
}

/// The `tradai` binary with no inherited config overrides.
pub fn tradai() -> Command {
    let mut cmd = Command::cargo_bin("tradai").expect("binary built");
    for (key, _) in std::env::vars() {
        if key.starts_with("TRADAI_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Run `cmd`, assert it succeeds, and return its standard output.
pub fn succeeds(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&cmd.assert().success().get_output().stdout).into_owned()
}

/// Run `cmd`, assert it fails, and return its standard error.
pub fn fails(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&cmd.assert().failure().get_output().stderr).into_owned()
}

/// One Cognito call on the emulator (the signature is a placeholder: moto reads only the region from it).
pub fn cognito(endpoint: &str, action: &str, body: Value) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(endpoint)
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{action}"))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await
            .expect("cognito");
        let status = response.status();
        let answer: Value = response.json().await.expect("json");
        assert!(status.is_success(), "{action}: {status} {answer}");
        answer
    })
}
