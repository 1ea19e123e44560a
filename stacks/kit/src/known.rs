//! Upstream values gathered into one output, so a layer can build documents (policies, definitions,
//! environments) from many of them in one closure. Keys are `kind:name` (`table:workflow-state`).

use std::collections::BTreeMap;

use pulumi_gestalt_rust::{Context, Output};
use serde::{Deserialize, Serialize};

/// The resolved values, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known(BTreeMap<String, String>);

impl Known {
    /// The value of `key`. A key no layer provides is a bug in the stack program (the keys are fixed at
    /// build time from the config), so it stops the run with the key and what is known.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or_else(|| {
            panic!(
                "no upstream value '{key}' (known: {:?})",
                self.0.keys().collect::<Vec<_>>()
            )
        })
    }

    /// The value of `key`, split on commas (subnet id lists).
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key).split(',').map(str::to_owned).collect()
    }

    /// The AWS account, read from an ARN among the values (`account` key).
    pub fn account(&self) -> &str {
        self.get("account")
    }
}

impl FromIterator<(String, String)> for Known {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Known(iter.into_iter().collect())
    }
}

/// Collects `(key, output)` pairs.
#[derive(Default)]
pub struct KnownBuilder {
    keys: Vec<String>,
    outputs: Vec<Output<String>>,
}

impl std::fmt::Debug for KnownBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownBuilder")
            .field("keys", &self.keys)
            .finish()
    }
}

impl KnownBuilder {
    /// Nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one value.
    pub fn add(&mut self, key: impl Into<String>, output: &Output<String>) -> &mut Self {
        self.keys.push(key.into());
        self.outputs.push(output.clone());
        self
    }

    /// Add every entry of a keyed map as `kind:<key>`.
    pub fn add_map<'a>(
        &mut self,
        kind: &str,
        map: impl IntoIterator<Item = (&'a String, &'a Output<String>)>,
    ) -> &mut Self {
        for (key, output) in map {
            self.add(format!("{kind}:{key}"), output);
        }
        self
    }

    /// The account id, from the fifth field of an upstream ARN.
    pub fn account_from_arn(&mut self, arn: &Output<String>) -> &mut Self {
        let account = arn.map(|arn: String| arn.split(':').nth(4).unwrap_or_default().to_owned());
        self.add("account", &account)
    }

    /// One output holding every value.
    pub fn build(&self, ctx: &Context) -> Output<Known> {
        let keys = self.keys.clone();
        crate::collect(ctx, &self.outputs)
            .map(move |values: Vec<String>| Known(keys.iter().cloned().zip(values).collect()))
    }
}

/// One comma-separated value of `known` (subnet ids) as a list output.
pub fn known_list(known: &Output<Known>, key: &str) -> Output<Vec<String>> {
    let key = key.to_owned();
    known.map(move |k: Known| k.list(&key))
}

/// One value of `known` as its own output.
pub fn known_value(known: &Output<Known>, key: &str) -> Output<String> {
    let key = key.to_owned();
    known.map(move |k: Known| k.get(&key).to_owned())
}
