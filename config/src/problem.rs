//! One config problem (where, what, what is allowed) and the list of all problems found in one load.

use std::fmt;

/// A single problem with a config value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the value came from: a file path, a `TRADAI_*` environment variable, or the built-in defaults.
    pub source: String,
    /// Dotted key path, e.g. `network.subnets.private-1.cidr`.
    pub key: String,
    /// The offending value as written (TOML/JSON syntax), or `(missing)`.
    pub value: String,
    /// What is wrong.
    pub message: String,
    /// What would be accepted.
    pub allowed: String,
}

impl Problem {
    /// A problem whose source is filled in later by the loader.
    pub fn new(
        key: impl Into<String>,
        value: impl fmt::Display,
        message: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Self {
        Problem {
            source: String::new(),
            key: key.into(),
            value: value.to_string(),
            message: message.into(),
            allowed: allowed.into(),
        }
    }

    /// The key path without array indexes (`lambdas.x.triggers[0].queue` → `lambdas.x.triggers`), as sources know it.
    pub fn lookup_key(&self) -> &str {
        self.key.split('[').next().unwrap_or(&self.key)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} = {}: {}; allowed: {}",
            self.source, self.key, self.value, self.message, self.allowed
        )
    }
}

/// Every problem found in one load, in file order of discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// The problems.
    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} config problem{}:", if n == 1 { "" } else { "s" })?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// Render a JSON value the way a user wrote it in TOML (strings quoted, tables inline).
pub fn render(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", render(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(render).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_source_key_value_problem_and_allowed() {
        let mut problem = Problem::new("waf.rate_limit", 5, "below the WAF minimum", "10 or more");
        problem.source = "config/environments/prod.toml".into();
        assert_eq!(
            problem.to_string(),
            "config/environments/prod.toml: waf.rate_limit = 5: below the WAF minimum; allowed: 10 or more"
        );
        assert_eq!(
            Problems(vec![problem.clone(), problem])
                .to_string()
                .lines()
                .count(),
            3
        );
    }

    #[test]
    fn renders_values_in_toml_like_syntax() {
        let value = serde_json::json!({"kind": "sqs", "batch_size": 10, "queues": ["a"]});
        assert_eq!(
            render(&value),
            r#"{ kind = "sqs", batch_size = 10, queues = ["a"] }"#
        );
    }
}
