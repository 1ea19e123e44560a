//! Process settings: each environment variable a binary reads is declared as a [`Variable`] (name, what is
//! allowed, default, whether required) and read once at start, so the stacks and `tradai infra check` can compare
//! a task's or function's planned environment with what its binary needs. Each error names the variable, its
//! value and what is allowed.

use std::str::FromStr;

/// Where variables come from: a value by name (the process environment, or a map in tests).
pub type VariableSource<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment as a [`VariableSource`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Why settings cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{name} is not set; expected {allowed}")]
    Missing {
        name: &'static str,
        allowed: &'static str,
    },
    #[error("{name}={value}: expected {allowed}")]
    Invalid {
        name: &'static str,
        value: String,
        allowed: String,
    },
}

/// The form of a variable's value, which `tradai infra check` compares with the planned value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Any text.
    #[default]
    Text,
    /// An http(s) URL.
    Url,
    /// The ARN of a resource the deployment creates.
    Arn,
}

impl Shape {
    /// Whether `value` has this shape.
    pub fn admits(self, value: &str) -> bool {
        match self {
            Shape::Text => true,
            Shape::Url => value.starts_with("http://") || value.starts_with("https://"),
            Shape::Arn => value.starts_with("arn:aws"),
        }
    }
}

/// One environment variable a binary reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    /// What is allowed, as the errors say it.
    pub allowed: &'static str,
    /// The value used when it is unset, as text (`None`: no default).
    pub default: Option<&'static str>,
    /// Whether the binary refuses to start without it.
    pub required: bool,
    /// The form of its value.
    pub shape: Shape,
    /// What every deployment must set, where the default suits only a local run (e.g. the in-memory adapters
    /// a service defaults to, or no MLflow server).
    pub deployed: Deployed,
}

/// What a deployment sets for a variable, beyond what the binary itself requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "must", content = "value")]
pub enum Deployed {
    /// What the binary requires, nothing more.
    #[default]
    AsDeclared,
    /// Set, to any value of its shape.
    Set,
    /// Set to exactly this value.
    Exactly(&'static str),
}

impl Variable {
    /// An optional variable.
    pub const fn optional(name: &'static str, allowed: &'static str) -> Self {
        Variable {
            name,
            allowed,
            default: None,
            required: false,
            shape: Shape::Text,
            deployed: Deployed::AsDeclared,
        }
    }

    /// A variable the binary cannot start without.
    pub const fn required(name: &'static str, allowed: &'static str) -> Self {
        Variable {
            name,
            allowed,
            default: None,
            required: true,
            shape: Shape::Text,
            deployed: Deployed::AsDeclared,
        }
    }

    /// An optional variable with a default.
    pub const fn with_default(self, default: &'static str) -> Self {
        Variable {
            default: Some(default),
            ..self
        }
    }

    /// The same variable with values of `shape`.
    pub const fn shaped(self, shape: Shape) -> Self {
        Variable { shape, ..self }
    }

    /// The same variable, which every deployment sets (`Deployed::Set`) or sets to one value.
    pub const fn deployed(self, deployed: Deployed) -> Self {
        Variable { deployed, ..self }
    }

    /// Its value, trimmed; unset, empty or blank is `None`.
    pub fn read(&self, get: VariableSource<'_>) -> Option<String> {
        get(self.name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// Its value, or its default; an error when neither exists and it is required.
    pub fn text(&self, get: VariableSource<'_>) -> Result<Option<String>, SettingsError> {
        match self.read(get).or(self.default.map(str::to_owned)) {
            None if self.required => Err(SettingsError::Missing {
                name: self.name,
                allowed: self.allowed,
            }),
            value => Ok(value),
        }
    }

    /// Its value parsed as `T`.
    pub fn parse<T: FromStr>(&self, get: VariableSource<'_>) -> Result<Option<T>, SettingsError> {
        self.text(get)?
            .map(|text| text.parse().map_err(|_| self.invalid(&text)))
            .transpose()
    }

    /// Its value as an http(s) URL.
    pub fn url(&self, get: VariableSource<'_>) -> Result<Option<String>, SettingsError> {
        self.text(get)?
            .map(|text| {
                if Shape::Url.admits(&text) {
                    Ok(text)
                } else {
                    Err(self.invalid(&text))
                }
            })
            .transpose()
    }

    /// Its comma-separated items (none when unset).
    pub fn list(&self, get: VariableSource<'_>) -> Result<Vec<String>, SettingsError> {
        Ok(self
            .text(get)?
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// The error for `value`.
    pub fn invalid(&self, value: &str) -> SettingsError {
        SettingsError::Invalid {
            name: self.name,
            value: value.to_owned(),
            allowed: self.allowed.to_owned(),
        }
    }
}

/// A variable as a binary declares it, in owned form (what the stacks and `tradai infra check` read).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Declared {
    pub name: String,
    /// Whether the binary refuses to start without it.
    pub required: bool,
    /// What is allowed.
    pub allowed: String,
    /// The value used when it is unset.
    pub default: Option<String>,
    /// The form of its value.
    pub shape: Shape,
    /// What every deployment must set (see [`Variable::deployed`]).
    #[serde(skip_serializing_if = "is_as_declared")]
    pub deployed: Deployed,
}

fn is_as_declared(d: &Deployed) -> bool {
    *d == Deployed::AsDeclared
}

impl Declared {
    /// A declaration with no shape and no deployed value.
    pub fn new(name: &str, required: bool, allowed: &str, default: Option<String>) -> Self {
        Declared {
            name: name.to_owned(),
            required,
            allowed: allowed.to_owned(),
            default,
            shape: Shape::Text,
            deployed: Deployed::AsDeclared,
        }
    }

    /// Whether a deployment must set it.
    pub fn needed_in_cloud(&self) -> bool {
        self.required || self.deployed != Deployed::AsDeclared
    }
}

impl From<&Variable> for Declared {
    fn from(v: &Variable) -> Self {
        Declared {
            name: v.name.to_owned(),
            required: v.required,
            allowed: v.allowed.to_owned(),
            default: v.default.map(str::to_owned),
            shape: v.shape,
            deployed: v.deployed,
        }
    }
}
