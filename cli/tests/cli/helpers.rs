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

/// One JSON-protocol AWS call (`target` is `<prefix>.<Operation>`) to `endpoint`, signed as access key `key`
/// for `service` in eu-central-1 (the signature is a placeholder: the emulator reads only the scope, and the
/// twin's AWS front the access key); its status and body.
pub fn aws_json(
    endpoint: &str,
    service: &str,
    target: &str,
    key: &str,
    body: Value,
) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(endpoint)
            .header("x-amz-target", target)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "authorization",
                format!("AWS4-HMAC-SHA256 Credential={key}/20260101/eu-central-1/{service}/aws4_request, SignedHeaders=host, Signature=0"),
            )
            .body(body.to_string())
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    })
}

/// One Cognito call on the emulator, which must succeed.
pub fn cognito(endpoint: &str, action: &str, body: Value) -> Value {
    let target = format!("AWSCognitoIdentityProviderService.{action}");
    let (status, answer) = aws_json(endpoint, "cognito-idp", &target, "test", body);
    assert!((200..300).contains(&status), "{action}: {status} {answer}");
    answer
}
