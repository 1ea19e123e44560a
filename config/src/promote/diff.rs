//! Key-by-key differences between two environments.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::flat::{flatten, Flat};
use super::keys::{classify, KeyClass};
use crate::problem::render;
use crate::Config;

/// One key that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffEntry {
    /// Dotted key path.
    pub key: String,
    /// Value in the source environment (`None`: not set there).
    pub from: Option<Value>,
    /// Value in the target environment (`None`: not set there).
    pub to: Option<Value>,
    /// How promotion treats the key.
    pub class: KeyClass,
}

/// All differences between two environments, sorted by key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigDiff {
    /// Source environment name.
    pub from: String,
    /// Target environment name.
    pub to: String,
    /// The differing keys.
    pub entries: Vec<DiffEntry>,
}

/// Differences between the settings of two loaded environments.
pub fn diff(from: &Config, to: &Config) -> ConfigDiff {
    diff_flat(
        from.env().as_str(),
        &flatten(from.settings()),
        to.env().as_str(),
        &flatten(to.settings()),
    )
}

/// Differences between two flattened settings.
pub fn diff_flat(from_name: &str, from: &Flat, to_name: &str, to: &Flat) -> ConfigDiff {
    let keys: std::collections::BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    let entries = keys
        .into_iter()
        .filter(|key| from.get(*key) != to.get(*key))
        .map(|key| DiffEntry {
            key: key.clone(),
            from: from.get(key).cloned(),
            to: to.get(key).cloned(),
            class: classify(key),
        })
        .collect();
    ConfigDiff {
        from: from_name.to_owned(),
        to: to_name.to_owned(),
        entries,
    }
}

impl ConfigDiff {
    /// Whether the environments agree on every key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn count(&self, class: KeyClass) -> usize {
        self.entries.iter().filter(|e| e.class == class).count()
    }
}

fn show(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "(not set)".to_owned(), render)
}

impl fmt::Display for DiffEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let note = match self.class {
            KeyClass::Promotable => "",
            KeyClass::EnvironmentScoped => "  [environment-scoped]",
            KeyClass::Immutable => "  [IMMUTABLE]",
        };
        write!(
            f,
            "{}: {} -> {}{note}",
            self.key,
            show(&self.from),
            show(&self.to)
        )
    }
}

impl fmt::Display for ConfigDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return write!(f, "{} and {} have the same settings", self.from, self.to);
        }
        write!(
            f,
            "{} -> {}: {} key(s) differ ({} promotable, {} environment-scoped, {} immutable)",
            self.from,
            self.to,
            self.entries.len(),
            self.count(KeyClass::Promotable),
            self.count(KeyClass::EnvironmentScoped),
            self.count(KeyClass::Immutable)
        )?;
        for entry in &self.entries {
            write!(f, "\n  {entry}")?;
        }
        Ok(())
    }
}
