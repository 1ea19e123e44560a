//! A stand-in for the Pulumi CLI as a stack program calls it under the mock engine: `pulumi stack output
//! --json --stack <reference>` answers the recorded exports of that stack (what the real CLI answers for a
//! deployed one), and an unknown stack fails as the CLI does.

use std::path::PathBuf;

use serde_json::{Map, Value};

const SCRIPT: &str = r#"#!/bin/sh
# pulumi stack output --json --stack <reference>, answered from the mock engine's recorded exports.
stack=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    *) shift ;;
  esac
done
file="$(dirname "$0")/outputs/$(printf %s "$stack" | tr '/' '_').json"
if [ -f "$file" ]; then
  cat "$file"
else
  echo "error: no stack named '$stack' found" >&2
  exit 255
fi
"#;

/// A directory holding `pulumi` (to put first on the program's PATH) and the exports of `references`.
#[derive(Debug)]
pub struct FakeCli {
    dir: tempfile::TempDir,
}

impl FakeCli {
    /// Write the stand-in and one exports file per referenced stack.
    pub fn new(references: &Map<String, Value>) -> std::io::Result<FakeCli> {
        let dir = tempfile::tempdir()?;
        let outputs = dir.path().join("outputs");
        std::fs::create_dir(&outputs)?;
        for (stack, exports) in references {
            std::fs::write(
                outputs.join(format!("{}.json", stack.replace('/', "_"))),
                exports.to_string(),
            )?;
        }
        let script = dir.path().join("pulumi");
        std::fs::write(&script, SCRIPT)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        }
        Ok(FakeCli { dir })
    }

    /// `PATH` with the stand-in first.
    pub fn path(&self) -> std::ffi::OsString {
        let mut paths: Vec<PathBuf> = vec![self.dir.path().to_path_buf()];
        if let Some(path) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(paths).unwrap_or_default()
    }
}
