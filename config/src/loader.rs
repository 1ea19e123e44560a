//! Loading one environment: built-in defaults → `base.toml` → `<env>.toml` → `TRADAI_*` variables, merged with
//! figment, then checked (structure first, then every rule) so that all problems are reported at once.

use std::collections::BTreeMap;

use figment::providers::{Env, Serialized};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde_json::Value;

use crate::problem::{Problem, Problems};
use crate::sources::{layer_stems, ConfigDir};
use crate::{defaults, structure, validate, Config, Environment, Settings};

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The config was read but is not valid.
    #[error("{0}")]
    Invalid(Problems),
}

/// Loads the canonical config of an environment.
#[derive(Debug, Clone)]
pub struct Loader {
    dir: ConfigDir,
    env_vars: bool,
    replaced: BTreeMap<String, String>,
    overrides: Vec<(String, toml::Value)>,
}

/// Name of the layer of `TRADAI_*` environment variables in messages.
const ENV_LAYER: &str = "TRADAI_* environment variables";

impl Loader {
    /// Read files from `dir`, with `TRADAI_*` variables on top.
    pub fn new(dir: ConfigDir) -> Self {
        Loader {
            dir,
            env_vars: true,
            replaced: BTreeMap::new(),
            overrides: Vec::new(),
        }
    }

    /// The files compiled into the binary.
    pub fn embedded() -> Self {
        Loader::new(ConfigDir::Embedded)
    }

    /// `TRADAI_CONFIG_DIR`, else the workspace's `config/environments`, else the embedded copy.
    pub fn discover() -> Self {
        Loader::new(ConfigDir::discover())
    }

    /// Ignore `TRADAI_*` variables (promotion compares the files alone).
    pub fn without_env_vars(mut self) -> Self {
        self.env_vars = false;
        self
    }

    /// Use `contents` instead of the file `<stem>.toml` (to check an edit before it is written).
    pub fn with_contents(mut self, stem: &str, contents: String) -> Self {
        self.replaced.insert(stem.to_owned(), contents);
        self
    }

    /// Set the dotted `key` to `value` on top of every other layer (validated like any other value); used to
    /// give tests their own name prefix. Values that are not TOML values (null) are ignored.
    pub fn with_value(mut self, key: &str, value: impl serde::Serialize) -> Self {
        if let Ok(value) = toml::Value::try_from(value) {
            self.overrides.push((key.to_owned(), value));
        }
        self
    }

    /// Where the files come from.
    pub fn dir(&self) -> &ConfigDir {
        &self.dir
    }

    /// Load, merge and validate the config of `env`.
    pub fn load(&self, env: Environment) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let mut figment = Figment::from(Serialized::defaults(defaults::rust_defaults()));
        for stem in layer_stems(env) {
            let name = self.dir.display(stem);
            let text = match self.replaced.get(stem) {
                Some(text) => text.clone(),
                None => self.dir.read(stem).map_err(|source| ConfigError::Read {
                    path: name.clone(),
                    source,
                })?,
            };
            match text.parse::<toml::Table>() {
                Ok(table) => figment = figment.merge(TomlLayer { name, table }),
                Err(err) => {
                    let mut problem = Problem::new(
                        "(file)",
                        "(not TOML)",
                        err.message().to_owned(),
                        "a TOML document",
                    );
                    problem.source = syntax_location(&name, &text, err.span());
                    problems.push(problem);
                }
            }
        }
        if self.env_vars {
            let vars = Env::prefixed(ENV_PREFIX)
                .filter(|key| key.as_str().contains(ENV_SEPARATOR))
                .map(|key| env_var_key(key.as_str()).into())
                // after map: figment resets `lowercase` whenever a mapping is added
                .lowercase(false);
            figment = figment.merge(vars);
        }
        for (key, value) in &self.overrides {
            let table = key.rsplit('.').fold(value.clone(), |inner, segment| {
                toml::Value::Table(toml::Table::from_iter([(segment.to_owned(), inner)]))
            });
            if let toml::Value::Table(table) = table {
                figment = figment.merge(TomlLayer {
                    name: format!("override of {key}"),
                    table,
                });
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(Problems(problems)));
        }
        let settings = check(&figment, &mut problems);
        if let Some(settings) = &settings {
            problems.extend(validate::settings(settings, env));
        }
        for problem in &mut problems {
            if problem.source.is_empty() {
                problem.source = source_of(&figment, problem.lookup_key());
            }
        }
        match settings {
            Some(settings) if problems.is_empty() => Ok(Config::new(env, settings)),
            _ => Err(ConfigError::Invalid(Problems(problems))),
        }
    }
}

/// The prefix of the environment variables that override config keys (`TRADAI_ALB__DOMAIN_NAME`).
const ENV_PREFIX: &str = "TRADAI_";
/// What separates the key's segments in such a variable.
const ENV_SEPARATOR: &str = "__";

/// The variables of this process that override a config key (what [`Loader::load`] merges unless
/// [`Loader::without_env_vars`]), sorted.
pub fn overriding_variables() -> Vec<String> {
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(key, _)| key.into_string().ok())
        .filter(|k| {
            k.strip_prefix(ENV_PREFIX)
                .is_some_and(|rest| rest.contains(ENV_SEPARATOR))
        })
        .collect();
    names.sort_unstable();
    names
}

/// Merge the layers, check their structure and read the typed settings when the structure allows it.
fn check(figment: &Figment, problems: &mut Vec<Problem>) -> Option<Settings> {
    let mut merged: Value = match figment.extract() {
        Ok(value) => value,
        Err(err) => {
            problems.extend(err.into_iter().map(|e| {
                let key = e.path.join(".");
                Problem::new(
                    key,
                    "(unreadable)",
                    e.kind.to_string(),
                    "a valid TOML value",
                )
            }));
            return None;
        }
    };
    let from_env_var = |path: &str| {
        let key = path.split('[').next().unwrap_or(path);
        figment
            .find_metadata(key)
            .is_some_and(|m| m.name.contains("environment variable"))
    };
    problems.extend(structure::check(schema_value(), &mut merged, &from_env_var));
    match serde_json::from_value::<Settings>(merged) {
        Ok(settings) => Some(settings),
        Err(err) => {
            if problems.is_empty() {
                problems.push(Problem::new(
                    "(config)",
                    "(unreadable)",
                    err.to_string(),
                    "the documented keys",
                ));
            }
            None
        }
    }
}

/// The config key of a `TRADAI_` variable (prefix removed): `__` separates segments, which are lower-cased,
/// except Lambda environment variable names (`LAMBDAS__X__ENV__MIN_SAMPLES` → `lambdas.x.env.MIN_SAMPLES`).
fn env_var_key(var: &str) -> String {
    let segments: Vec<&str> = var.split("__").collect();
    let keeps_case = |index: usize| {
        index == 3
            && segments[0].eq_ignore_ascii_case("lambdas")
            && segments[2].eq_ignore_ascii_case("env")
    };
    let keyed: Vec<String> = segments
        .iter()
        .enumerate()
        .map(|(index, segment)| {
            if keeps_case(index) {
                (*segment).to_owned()
            } else {
                segment.to_lowercase()
            }
        })
        .collect();
    keyed.join(".")
}

/// The schema as JSON, generated once per process.
fn schema_value() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::to_value(crate::schema()).unwrap_or(Value::Null))
}

/// `path:line:column` of a TOML syntax error.
fn syntax_location(name: &str, text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return name.to_owned();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, str::len) + 1;
    format!("{name}:{line}:{column}")
}

/// Which layer set `key` (or its nearest parent): a file, a `TRADAI_*` variable, or the built-in defaults.
fn source_of(figment: &Figment, key: &str) -> String {
    let mut key = key;
    loop {
        if let Some(metadata) = figment.find_metadata(key) {
            return describe(metadata, key);
        }
        match key.rsplit_once('.') {
            Some((parent, _)) => key = parent,
            None => return "config".to_owned(),
        }
    }
}

fn describe(metadata: &Metadata, key: &str) -> String {
    match &metadata.source {
        Some(Source::Custom(name)) if name != ENV_LAYER => name.clone(),
        _ if metadata.name.contains("environment variable") => {
            let var: Vec<String> = key.split('.').map(str::to_uppercase).collect();
            format!("environment variable TRADAI_{}", var.join("__"))
        }
        _ => "built-in defaults".to_owned(),
    }
}

/// A parsed TOML file layer that names its file in messages.
struct TomlLayer {
    name: String,
    table: toml::Table,
}

impl Provider for TomlLayer {
    fn metadata(&self) -> Metadata {
        Metadata::from(self.name.clone(), Source::Custom(self.name.clone()))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Serialized::defaults(&self.table).data()
    }
}

#[cfg(test)]
mod tests {
    use super::env_var_key;

    #[test]
    fn maps_variable_names_to_lower_case_keys_but_keeps_lambda_env_names() {
        assert_eq!(
            env_var_key("LOGGING__RETENTION_DAYS"),
            "logging.retention_days"
        );
        assert_eq!(
            env_var_key("SERVICES__BACKEND-API__CPU"),
            "services.backend-api.cpu"
        );
        assert_eq!(
            env_var_key("LAMBDAS__DRIFT-MONITOR__ENV__MIN_SAMPLES"),
            "lambdas.drift-monitor.env.MIN_SAMPLES"
        );
        assert_eq!(
            env_var_key("LAMBDAS__DRIFT-MONITOR__MEMORY_MB"),
            "lambdas.drift-monitor.memory_mb"
        );
    }
}
