//! The deployment environments and the one place that parses their names.

use std::fmt;
use std::str::FromStr;

/// A deployment environment. Each has its own Pulumi stacks, AWS resources and `environments/<env>.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Environment {
    /// Developer environment: consolidated EC2 host, short retention, nothing protected from deletion.
    Dev,
    /// Production-like rehearsal environment.
    Staging,
    /// Production: Fargate, deletion protection, long retention.
    Prod,
}

impl Environment {
    /// Every environment, in promotion order (dev → staging → prod).
    pub const ALL: [Environment; 3] = [Environment::Dev, Environment::Staging, Environment::Prod];

    /// The short name used in resource names, stack names and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Staging => "staging",
            Environment::Prod => "prod",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An environment name that is not dev, staging or prod.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown environment '{0}': allowed values are dev, staging, prod")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Environment::ALL
            .into_iter()
            .find(|env| env.as_str() == s)
            .ok_or_else(|| UnknownEnvironment(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_known_environment_from_its_name() {
        for env in Environment::ALL {
            assert_eq!(env.as_str().parse::<Environment>(), Ok(env));
        }
    }

    #[test]
    fn rejects_unknown_environment_naming_value_and_allowed_set() {
        let err = "qa".parse::<Environment>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown environment 'qa': allowed values are dev, staging, prod"
        );
        assert!(
            "Dev".parse::<Environment>().is_err(),
            "names are case-sensitive"
        );
    }
}
