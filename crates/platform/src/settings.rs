//! The AWS adapters' settings from the environment (the variables are declared as data, `tradai_config::Variable`).

pub use tradai_config::variables::{process_env, SettingsError, Shape, Variable, VariableSource};

/// The MLflow server (binaries that need it in the cloud say so with `Deployed::Set` or `required`).
pub const MLFLOW_TRACKING_URI: Variable = Variable::optional(
    "MLFLOW_TRACKING_URI",
    "the MLflow server's http(s) URL, e.g. http://mlflow.tradai.local:5000",
)
.shaped(Shape::Url);
const MLFLOW_TRACKING_USERNAME: Variable =
    Variable::optional("MLFLOW_TRACKING_USERNAME", "the MLflow basic-auth user");
const MLFLOW_TRACKING_PASSWORD: Variable =
    Variable::optional("MLFLOW_TRACKING_PASSWORD", "the MLflow basic-auth password");
const BINANCE_FUTURES_URL: Variable = Variable::optional(
    "BINANCE_FUTURES_URL",
    "the Binance USD-M futures REST base URL, http(s)",
)
.shaped(Shape::Url)
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
)
.shaped(Shape::Arn);

/// What the AWS adapters read from the environment besides the canonical config (which names the tables,
/// buckets and cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// The MLflow server; without it every use of the model registry is a configuration error naming
    /// `MLFLOW_TRACKING_URI` (`NoRegistry`), never an empty registry.
    pub mlflow_uri: Option<String>,
    /// MLflow basic auth, when the server wants it.
    pub mlflow_credentials: Option<(String, String)>,
    /// Where market data is fetched.
    pub binance_url: String,
    /// Where Fargate tasks attach; `None` leaves it to the task definition.
    pub task_network: Option<tradai_domain::ports::TaskNetwork>,
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
            (false, false) => Some(tradai_domain::ports::TaskNetwork {
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

/// The variables a binary's command line reads (`#[arg(env = …)]`): required when the flag is, with its
/// default and its help as what is allowed.
pub fn clap_variables(command: &clap::Command) -> Vec<tradai_config::Declared> {
    command
        .get_arguments()
        .filter_map(|arg| {
            let name = arg.get_env()?.to_string_lossy().into_owned();
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let allowed = if values.is_empty() {
                help
            } else {
                format!("{help} (one of {})", values.join(", "))
            };
            Some(tradai_config::Declared::new(
                &name,
                arg.is_required_set() && defaults.is_empty(),
                &allowed,
                (!defaults.is_empty()).then(|| defaults.join(",")),
            ))
        })
        .collect()
}

/// `all` with `extra` in place of the declarations of the same names (e.g. to require an optional one).
pub fn overriding(
    mut all: Vec<tradai_config::Declared>,
    extra: &[Variable],
) -> Vec<tradai_config::Declared> {
    all.retain(|d| !extra.iter().any(|e| e.name == d.name));
    all.extend(declared(extra));
    all
}

/// The declarations of `variables`.
pub fn declared(variables: &[Variable]) -> Vec<tradai_config::Declared> {
    variables
        .iter()
        .map(tradai_config::Declared::from)
        .collect()
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
