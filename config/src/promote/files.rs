//! Promotion on disk: load both environments from the files alone, plan, edit the target file, check the
//! result, and only then replace the file.

use std::path::{Path, PathBuf};

use super::diff::{diff, ConfigDiff};
use super::edit::apply_to_toml;
use super::flat::flatten;
use super::plan::{plan, Plan, Refusal};
use crate::sources::{file_name, ConfigDir};
use crate::{ConfigError, Environment, Loader};

/// What a promotion did (or would do with `--dry-run`).
#[derive(Debug)]
pub struct PromotionReport {
    /// Differences before the promotion.
    pub diff: ConfigDiff,
    /// The changes.
    pub plan: Plan,
    /// The target file.
    pub file: PathBuf,
    /// Whether the file was rewritten.
    pub written: bool,
}

/// Why a promotion did not happen. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error("cannot promote {0} into itself")]
    SameEnvironment(Environment),
    #[error("{env} does not load, so it cannot take part in a promotion: {source}")]
    Load {
        env: Environment,
        #[source]
        source: ConfigError,
    },
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{file} is not valid TOML: {source}")]
    Edit {
        file: String,
        #[source]
        source: toml_edit::TomlError,
    },
    #[error("the promoted {env} config would be invalid, so {file} was left unchanged: {source}")]
    Invalid {
        env: Environment,
        file: String,
        #[source]
        source: ConfigError,
    },
    #[error("cannot write {file}: {source}")]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// Promote `from` into `to` in the config directory `dir`; with `dry_run`, only report.
pub fn promote_files(
    dir: &Path,
    from: Environment,
    to: Environment,
    dry_run: bool,
) -> Result<PromotionReport, PromoteError> {
    if from == to {
        return Err(PromoteError::SameEnvironment(from));
    }
    let config_dir = ConfigDir::Path(dir.to_path_buf());
    let loader = Loader::new(config_dir.clone()).without_env_vars();
    let source = loader
        .load(from)
        .map_err(|source| PromoteError::Load { env: from, source })?;
    let target = loader
        .load(to)
        .map_err(|source| PromoteError::Load { env: to, source })?;
    let diff = diff(&source, &target);
    let plan = plan(&diff, &flatten(target.settings()))?;
    let file = dir.join(file_name(to.as_str()));
    let display = config_dir.display(to.as_str());
    let text = config_dir
        .read(to.as_str())
        .map_err(|source| PromoteError::Write {
            file: display.clone(),
            source,
        })?;
    let new_text = apply_to_toml(&text, &plan.set).map_err(|source| PromoteError::Edit {
        file: display.clone(),
        source,
    })?;
    loader
        .with_contents(to.as_str(), new_text.clone())
        .load(to)
        .map_err(|source| PromoteError::Invalid {
            env: to,
            file: display.clone(),
            source,
        })?;
    let written = !dry_run && !plan.set.is_empty();
    if written {
        write_atomically(&file, &new_text).map_err(|source| PromoteError::Write {
            file: display,
            source,
        })?;
    }
    Ok(PromotionReport {
        diff,
        plan,
        file,
        written,
    })
}

/// Write next to the file, then rename over it, so a crash never leaves half a file.
fn write_atomically(file: &Path, text: &str) -> std::io::Result<()> {
    let tmp = file.with_extension("toml.promote-tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, file)
}
