//! Where the environment files come from: a directory on disk, or the copy embedded in every binary.

use std::path::{Path, PathBuf};

use crate::Environment;

const EMBEDDED: [(&str, &str); 4] = [
    ("base", include_str!("../environments/base.toml")),
    ("dev", include_str!("../environments/dev.toml")),
    ("staging", include_str!("../environments/staging.toml")),
    ("prod", include_str!("../environments/prod.toml")),
];

/// Relative path of the environment files inside the workspace.
pub const WORKSPACE_CONFIG_DIR: &str = "config/environments";

/// The directory holding `base.toml` and `<env>.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigDir {
    /// The files compiled into this binary (read-only).
    Embedded,
    /// A directory on disk.
    Path(PathBuf),
}

/// One environment file: the stem (`base`, `dev`, …).
pub fn file_name(stem: &str) -> String {
    format!("{stem}.toml")
}

/// The stems of the layered files for `env`, in merge order.
pub fn layer_stems(env: Environment) -> [&'static str; 2] {
    ["base", env.as_str()]
}

impl ConfigDir {
    /// The directory named by `TRADAI_CONFIG_DIR`, else `config/environments` in the nearest ancestor of the
    /// current directory that has one, else the embedded copy.
    pub fn discover() -> ConfigDir {
        if let Some(dir) = std::env::var_os("TRADAI_CONFIG_DIR") {
            return ConfigDir::Path(PathBuf::from(dir));
        }
        let Ok(cwd) = std::env::current_dir() else {
            return ConfigDir::Embedded;
        };
        cwd.ancestors()
            .map(|dir| dir.join(WORKSPACE_CONFIG_DIR))
            .find(|dir| dir.join("base.toml").is_file())
            .map_or(ConfigDir::Embedded, ConfigDir::Path)
    }

    /// How a file is named in messages: its path, or `<name> (embedded)`.
    pub fn display(&self, stem: &str) -> String {
        match self {
            ConfigDir::Embedded => format!("{WORKSPACE_CONFIG_DIR}/{} (embedded)", file_name(stem)),
            ConfigDir::Path(dir) => dir.join(file_name(stem)).display().to_string(),
        }
    }

    /// The path of a file on disk, when the directory is on disk.
    pub fn path(&self, stem: &str) -> Option<PathBuf> {
        match self {
            ConfigDir::Embedded => None,
            ConfigDir::Path(dir) => Some(dir.join(file_name(stem))),
        }
    }

    /// The directory on disk, when there is one.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            ConfigDir::Embedded => None,
            ConfigDir::Path(dir) => Some(dir),
        }
    }

    /// Read one file.
    pub fn read(&self, stem: &str) -> std::io::Result<String> {
        match self {
            ConfigDir::Embedded => EMBEDDED
                .iter()
                .find(|(name, _)| *name == stem)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not embedded")),
            ConfigDir::Path(dir) => std::fs::read_to_string(dir.join(file_name(stem))),
        }
    }
}
