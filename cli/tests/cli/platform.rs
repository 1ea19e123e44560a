//! `tradai local up` as a child process on free ports: its printed URLs and token, and a clean stop.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running local platform.
pub struct LocalPlatform {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    pub backend: String,
    pub data: String,
    pub token: String,
    /// The first line it printed.
    pub banner: String,
    _cwd: tempfile::TempDir,
}

impl LocalPlatform {
    /// Start it on in-memory adapters and read what it prints up to "Ctrl-C".
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Start it with `extra` arguments.
    pub fn start_with(extra: &[&str]) -> Self {
        let binary = assert_cmd::cargo::cargo_bin("tradai");
        let cwd = tempfile::tempdir().expect("dir");
        let mut child = Command::new(binary)
            .current_dir(cwd.path())
            .args([
                "local",
                "up",
                "--backend-port",
                "0",
                "--strategy-port",
                "0",
                "--data-port",
                "0",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut backend, mut data, mut token, mut banner) = (None, None, None, None);
        for line in lines.by_ref() {
            let line = line.expect("line");
            banner = banner.or_else(|| Some(line.clone()));
            let word = |prefix: &str| {
                line.trim_start()
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(str::to_owned)
            };
            backend = backend.or_else(|| word("backend"));
            data = data.or_else(|| word("data-collection"));
            if let Some((_, t)) = line.split_once("h): ") {
                token = Some(t.to_owned());
            }
            if line.starts_with("Ctrl-C") {
                break;
            }
        }
        LocalPlatform {
            child,
            lines,
            backend: backend.expect("backend URL printed"),
            data: data.expect("data-collection URL printed"),
            token: token.expect("token printed"),
            banner: banner.unwrap_or_default(),
            _cwd: cwd,
        }
    }

    /// SIGTERM; whether it exited 0, and the lines it printed after starting.
    pub fn stop(mut self) -> (bool, Vec<String>) {
        let stopped = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(stopped.success());
        let rest: Vec<String> = self.lines.by_ref().map_while(Result::ok).collect();
        let status = self.child.wait().expect("wait");
        (status.success(), rest)
    }
}
