//! The emulator `twin up` starts when it is given none: moto server from the venv `scripts/install-emulator`
//! makes (`TRADAI_EMULATOR_VENV`, else `~/.cache/tradai/moto-venv`), on a free loopback port, through the same
//! launcher the tests use (it exits when the twin does). moto's own Step Functions interpreter stays off: it
//! would call moto's Lambda, not the twin's functions.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context as _};

const LAUNCHER: &str = include_str!("../../../../crates/test-support/emulator/moto_launcher.py");

/// A running moto server; stopped when dropped (and by its launcher when this process ends).
#[derive(Debug)]
pub struct Moto {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn venv() -> PathBuf {
    ours("TRADAI_EMULATOR_VENV", "moto-venv")
}

/// A venv the scripts make: `$<variable>` when set, else `~/.cache/tradai/<name>` (as `scripts/install-*`).
pub fn ours(variable: &str, name: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/tradai")
            .join(name),
    }
}

/// Start moto and wait (at most 120 s) until it answers.
pub fn start() -> anyhow::Result<Moto> {
    let python = venv().join("bin/python");
    if !python.exists() {
        bail!(
            "no --aws-endpoint and no emulator to start: {} is missing. Install moto with ./scripts/install-emulator \
             (or set TRADAI_EMULATOR_VENV), or pass --aws-endpoint URL of a running moto or LocalStack",
            python.display()
        );
    }
    let dir = tempfile::tempdir().context("a directory for the emulator's launcher")?;
    let launcher = dir.path().join("moto_launcher.py");
    std::fs::write(&launcher, LAUNCHER).context("writing the emulator's launcher")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("a free port for the emulator")?
        .port();
    let mut child = Command::new(&python)
        .arg(&launcher)
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", python.display()))?;
    let stdout = child.stdout.take().context("the launcher's output")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = tx.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(line)) if line.trim() == "READY" => {}
        other => {
            let _ = child.kill();
            bail!("moto did not start on port {port} within 120 s: {other:?}");
        }
    }
    let url = format!("http://127.0.0.1:{port}");
    Ok(Moto {
        url,
        child,
        _dir: dir,
    })
}
