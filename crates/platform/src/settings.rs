//! Process settings read from the environment once at start. Each [`Variable`] a binary reads is declared as
//! data (name, what is allowed, default, whether required), so the stacks and `tradai infra check` can compare
//! a task definition's environment with what its binary needs; each error names the variable, its value and
//! what is allowed.

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
}

impl Variable {
    /// An optional variable.
    pub const fn optional(name: &'static str, allowed: &'static str) -> Self {
        Variable {
            name,
            allowed,
            default: None,
            required: false,
        }
    }

    /// A variable the binary cannot start without.
    pub const fn required(name: &'static str, allowed: &'static str) -> Self {
        Variable {
            name,
            allowed,
            default: None,
            required: true,
        }
    }

    /// An optional variable with a default.
    pub const fn with_default(self, default: &'static str) -> Self {
        Variable {
            default: Some(default),
            ..self
        }
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
                if text.starts_with("http://") || text.starts_with("https://") {
                    Ok(text)
                } else {
                    Err(self.invalid(&text))
                }
            })
            .transpose()
    }

    /// Its value, required whatever the declaration says (a binary that needs an otherwise optional variable).
    pub fn require(&self, get: VariableSource<'_>) -> Result<String, SettingsError> {
        self.read(get).ok_or(SettingsError::Missing {
            name: self.name,
            allowed: self.allowed,
        })
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

/// The MLflow server (binaries that need it in the cloud require it with [`Variable::require`]).
pub const MLFLOW_TRACKING_URI: Variable = Variable::optional(
    "MLFLOW_TRACKING_URI",
    "the MLflow server's http(s) URL, e.g. http://mlflow.tradai.local:5000",
);
const MLFLOW_TRACKING_USERNAME: Variable =
    Variable::optional("MLFLOW_TRACKING_USERNAME", "the MLflow basic-auth user");
const MLFLOW_TRACKING_PASSWORD: Variable =
    Variable::optional("MLFLOW_TRACKING_PASSWORD", "the MLflow basic-auth password");
const BINANCE_FUTURES_URL: Variable = Variable::optional(
    "BINANCE_FUTURES_URL",
    "the Binance USD-M futures REST base URL, http(s)",
)
.with_default(tradai_market::binance::PRODUCTION_URL);
const ECS_SUBNETS: Variable = Variable::optional(
    "ECS_SUBNETS",
    "comma-separated subnet ids, set together with ECS_SECURITY_GROUPS",
);
const ECS_SECURITY_GROUPS: Variable = Variable::optional(
    "ECS_SECURITY_GROUPS",
    "comma-separated security group ids, set together with ECS_SUBNETS",
);
const ALERT_SNS_TOPIC_ARN: Variable = Variable::optional(
    "ALERT_SNS_TOPIC_ARN",
    "the ARN of the SNS topic alerts and notifications go to",
);

/// What the AWS adapters read from the environment besides the canonical config (which names the tables,
/// buckets and cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// The MLflow server; without it the model registry is the in-memory twin (local platforms only: binaries
    /// that need MLflow in the cloud require the variable themselves).
    pub mlflow_uri: Option<String>,
    /// MLflow basic auth, when the server wants it.
    pub mlflow_credentials: Option<(String, String)>,
    /// Where market data is fetched.
    pub binance_url: String,
    /// Where Fargate tasks attach; `None` leaves it to the task definition.
    pub task_network: Option<tradai_aws::TaskNetwork>,
    /// Where notifications go; without it they are kept in memory and logged.
    pub alerts_topic_arn: Option<String>,
}

/// What an empty environment gives: no MLflow, Binance production, the task definition's network, no topic.
impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            mlflow_uri: None,
            mlflow_credentials: None,
            binance_url: tradai_market::binance::PRODUCTION_URL.to_owned(),
            task_network: None,
            alerts_topic_arn: None,
        }
    }
}

impl AwsSettings {
    /// Every variable these settings read.
    pub const VARIABLES: [Variable; 7] = [
        MLFLOW_TRACKING_URI,
        MLFLOW_TRACKING_USERNAME,
        MLFLOW_TRACKING_PASSWORD,
        BINANCE_FUTURES_URL,
        ECS_SUBNETS,
        ECS_SECURITY_GROUPS,
        ALERT_SNS_TOPIC_ARN,
    ];

    /// Read from `get`.
    pub fn from_source(get: VariableSource<'_>) -> Result<Self, SettingsError> {
        let subnets = ECS_SUBNETS.list(get)?;
        let groups = ECS_SECURITY_GROUPS.list(get)?;
        let task_network = match (subnets.is_empty(), groups.is_empty()) {
            (true, true) => None,
            (false, false) => Some(tradai_aws::TaskNetwork {
                subnets,
                security_groups: groups,
            }),
            (true, false) => return Err(ECS_SUBNETS.invalid("")),
            (false, true) => return Err(ECS_SECURITY_GROUPS.invalid("")),
        };
        Ok(AwsSettings {
            mlflow_uri: MLFLOW_TRACKING_URI.url(get)?,
            mlflow_credentials: MLFLOW_TRACKING_USERNAME
                .text(get)?
                .map(|user| -> Result<_, SettingsError> {
                    Ok((
                        user,
                        MLFLOW_TRACKING_PASSWORD.text(get)?.unwrap_or_default(),
                    ))
                })
                .transpose()?,
            binance_url: BINANCE_FUTURES_URL
                .url(get)?
                .unwrap_or_else(|| tradai_market::binance::PRODUCTION_URL.to_owned()),
            task_network,
            alerts_topic_arn: ALERT_SNS_TOPIC_ARN.text(get)?,
        })
    }

    /// Read from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_source(&process_env)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<AwsSettings, SettingsError> {
        let vars: BTreeMap<&str, &str> = vars.iter().copied().collect();
        AwsSettings::from_source(&|name| vars.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = settings(&[]).expect("valid");
        assert_eq!(s, AwsSettings::default());
        assert_eq!(s.binance_url, tradai_market::binance::PRODUCTION_URL);
        assert_eq!(s.mlflow_uri, None);
        assert_eq!(s.task_network, None);
    }

    #[test]
    fn each_error_names_the_variable_its_value_and_what_is_allowed() {
        let error = settings(&[("MLFLOW_TRACKING_URI", "mlflow:5000")]).expect_err("no scheme");
        assert_eq!(
            error.to_string(),
            "MLFLOW_TRACKING_URI=mlflow:5000: expected the MLflow server's http(s) URL, e.g. http://mlflow.tradai.local:5000"
        );
        let error = settings(&[("ECS_SUBNETS", "subnet-1")]).expect_err("no groups");
        assert_eq!(
            error.to_string(),
            "ECS_SECURITY_GROUPS=: expected comma-separated security group ids, set together with ECS_SUBNETS"
        );
        let ok = settings(&[
            ("ECS_SUBNETS", "subnet-1, subnet-2"),
            ("ECS_SECURITY_GROUPS", "sg-1"),
            ("MLFLOW_TRACKING_USERNAME", "u"),
        ])
        .expect("valid");
        assert_eq!(
            ok.task_network.map(|n| n.subnets),
            Some(vec!["subnet-1".to_owned(), "subnet-2".to_owned()])
        );
        assert_eq!(ok.mlflow_credentials, Some(("u".into(), String::new())));
    }

    #[test]
    fn a_required_variable_without_default_stops_the_start() {
        let v = Variable::required("JOB_ID", "the job to run");
        assert_eq!(
            v.text(&|_| Some("  ".into()))
                .expect_err("blank")
                .to_string(),
            "JOB_ID is not set; expected the job to run"
        );
    }
}
