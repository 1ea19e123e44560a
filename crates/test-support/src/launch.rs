//! Starting a helper server (an emulator, MLflow) from a Python launcher that prints `READY` once it serves
//! and exits by itself when the test process is gone.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Run `python args…` and wait (at most 120 s) for its `READY` line; panics naming `what` otherwise.
pub fn until_ready(python: &Path, args: &[&str], what: &str) {
    let mut child = Command::new(python)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {what} with {} {args:?}: {e}",
                python.display()
            )
        });
    let stdout = child.stdout.take().expect("piped stdout");
    let (ready, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = ready.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
    });
    match wait.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(line)) if line.trim() == "READY" => {}
        other => panic!(
            "{what} did not start within 120 s ({args:?}): {other:?} (exit: {:?})",
            child.try_wait()
        ),
    }
    // The launcher exits when this process does; nothing to clean up.
    std::mem::forget(child);
}

/// A venv of ours: `$<variable>` when set, else `~/.cache/tradai/<name>`.
pub fn venv(variable: &str, name: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/tradai")
            .join(name),
    }
}
