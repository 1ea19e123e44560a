//! Every semantic rule of the canonical config. Each area appends [`Problem`]s; nothing stops at the first.

mod entry;
mod lambdas;
mod names;
mod network;
mod platform;
mod roles;
mod services;
mod storage;

use std::fmt::Display;
use std::ops::RangeInclusive;

use crate::problem::Problem;
use crate::{Environment, Settings};

/// All problems of `settings` for `env`.
pub fn settings(settings: &Settings, env: Environment) -> Vec<Problem> {
    let mut out = Vec::new();
    names::check(settings, env, &mut out);
    network::check(settings, &mut out);
    services::check(settings, &mut out);
    storage::check(settings, &mut out);
    lambdas::check(settings, &mut out);
    platform::check(settings, &mut out);
    roles::check(settings, &mut out);
    entry::check(settings, &mut out);
    out
}

/// Push a problem when `value` lies outside `range`.
fn in_range<T: PartialOrd + Display>(
    out: &mut Vec<Problem>,
    key: String,
    value: T,
    range: RangeInclusive<T>,
    what: &str,
) {
    if !range.contains(&value) {
        let allowed = format!("{} to {}", range.start(), range.end());
        out.push(Problem::new(
            key,
            &value,
            format!("{what} is out of range"),
            allowed,
        ));
    }
}

/// Lower-case words joined by single hyphens (`workflow-state`): the shape of every name component.
fn is_component(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Render a string the way TOML shows it.
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// Report each item of `items` whose name (by `name`) appeared earlier, at the key `key(index)`.
fn no_duplicates<T>(
    out: &mut Vec<Problem>,
    items: &[T],
    key: impl Fn(usize) -> String,
    name: impl Fn(&T) -> &str,
    what: &str,
) {
    let mut seen = std::collections::BTreeSet::new();
    for (index, item) in items.iter().enumerate() {
        if !seen.insert(name(item)) {
            out.push(Problem::new(
                key(index),
                quoted(name(item)),
                "listed twice",
                format!("each {what} once"),
            ));
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A valid config to break one rule at a time.
    use crate::{Environment, Loader, Problem, Settings};

    /// The embedded dev settings, which pass every rule.
    pub fn valid() -> Settings {
        Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("embedded dev config is valid")
            .into_settings()
    }

    /// The problems of `settings` in dev.
    pub fn problems(settings: &Settings) -> Vec<Problem> {
        super::settings(settings, Environment::Dev)
    }

    /// Assert that a problem names `key` and its message contains `fragment`, and return it.
    pub fn expect_problem(settings: &Settings, key: &str, fragment: &str) -> Problem {
        let problems = problems(settings);
        problems
            .iter()
            .find(|p| {
                p.key == key && (p.message.contains(fragment) || p.allowed.contains(fragment))
            })
            .cloned()
            .unwrap_or_else(|| {
                panic!("no problem at {key} mentioning '{fragment}' in {problems:#?}")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_config_passes_every_rule_in_every_environment() {
        for env in Environment::ALL {
            let config = crate::Loader::embedded().without_env_vars().load(env);
            assert!(config.is_ok(), "{env}: {:?}", config.err());
        }
    }

    #[test]
    fn name_components_are_lowercase_hyphenated_words() {
        assert!(is_component("workflow-state"));
        assert!(is_component("s3"));
        for bad in ["", "Workflow", "a--b", "-a", "a-", "a_b", "1abc"] {
            assert!(!is_component(bad), "{bad} should be rejected");
        }
    }
}
