//! A private copy of the environment files per test, so tests can break and promote them freely.

use std::path::{Path, PathBuf};

use tradai_config::{ConfigDir, ConfigError, Environment, Loader, Problems};

/// The workspace's `config/environments`.
pub fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("environments")
}

/// A temporary copy of the shipped environment files.
pub struct TempConfig {
    pub dir: tempfile::TempDir,
}

impl TempConfig {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for stem in ["base", "dev", "staging", "prod"] {
            let file = format!("{stem}.toml");
            std::fs::copy(shipped_dir().join(&file), dir.path().join(&file))
                .expect("copy config file");
        }
        TempConfig { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Append TOML to `<stem>.toml`.
    pub fn append(&self, stem: &str, text: &str) -> &Self {
        let file = self.path().join(format!("{stem}.toml"));
        let mut content = std::fs::read_to_string(&file).expect("read");
        content.push('\n');
        content.push_str(text);
        std::fs::write(file, content).expect("write");
        self
    }

    /// Replace `<stem>.toml`.
    pub fn write(&self, stem: &str, text: &str) -> &Self {
        std::fs::write(self.path().join(format!("{stem}.toml")), text).expect("write");
        self
    }

    pub fn read(&self, stem: &str) -> String {
        std::fs::read_to_string(self.path().join(format!("{stem}.toml"))).expect("read")
    }

    pub fn loader(&self) -> Loader {
        Loader::new(ConfigDir::Path(self.path().to_path_buf())).without_env_vars()
    }

    /// The problems of loading `env`, with the temp path replaced by `<dir>`.
    pub fn problems(&self, env: Environment) -> (Problems, String) {
        match self.loader().load(env) {
            Err(ConfigError::Invalid(problems)) => {
                let text = problems
                    .to_string()
                    .replace(&self.path().display().to_string(), "<dir>");
                (problems, text)
            }
            other => panic!("expected problems, got {other:?}"),
        }
    }
}
