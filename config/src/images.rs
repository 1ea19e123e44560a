//! The images the pipeline builds and pushes (`tradai infra images`, which `scripts/push-images` follows): one per
//! service with a `build`, for the architecture its task runs on, and one Lambda image pushed to every
//! function's repository, for the functions' architecture. `tradai infra check` holds every image the stacks
//! run to this plan (rule `image-built`).

use serde::Serialize;

use crate::{Architecture, Config};

/// The Dockerfile's build targets.
pub const DOCKERFILE_TARGETS: [&str; 3] = ["service", "lambda", "mlflow"];

/// The workspace's binaries a `service` image can hold.
pub const SERVICE_BINARIES: [&str; 4] = [
    "tradai-backend",
    "tradai-strategy",
    "tradai-data-collection",
    "tradai-backtest-runner",
];

/// The platform of the services' images: their task definitions name no runtime platform, so ECS runs them on
/// X86_64 (Fargate's default, and the t3 host).
pub const SERVICE_PLATFORM: &str = "linux/amd64";

/// A service's `build`: the Dockerfile target, and for a `service` image the binary it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub target: String,
    pub binary: Option<String>,
}

impl Build {
    /// Parse `service:<binary>` or `mlflow`; the problem says what is allowed.
    pub fn parse(value: &str) -> Result<Build, String> {
        match value.split_once(':') {
            Some(("service", binary)) if SERVICE_BINARIES.contains(&binary) => Ok(Build {
                target: "service".into(),
                binary: Some(binary.into()),
            }),
            None if value == "mlflow" => Ok(Build {
                target: "mlflow".into(),
                binary: None,
            }),
            _ => Err(format!(
                "service:<binary> (one of {}) or mlflow",
                SERVICE_BINARIES.join(", ")
            )),
        }
    }
}

/// One image of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The repository key (`backend`, `lambda-health-check`): `<registry>/<project>/<env>/<repository>`.
    pub repository: String,
    /// The Dockerfile target.
    pub target: String,
    /// The binary (`BIN`), for `service` and `lambda` images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// `linux/amd64` or `linux/arm64`.
    pub platform: String,
}

/// The platform of a Lambda architecture.
fn lambda_platform(architecture: Architecture) -> String {
    match architecture {
        Architecture::Arm64 => "linux/arm64".into(),
        Architecture::X86_64 => "linux/amd64".into(),
    }
}

/// Every image of `config`'s deployment.
pub fn plan(config: &Config) -> Vec<Image> {
    let s = config.settings();
    let mut out: Vec<Image> = Vec::new();
    for spec in s.services.values() {
        let (Some(repository), Some(build)) = (&spec.ecr_repository, &spec.build) else {
            continue;
        };
        let Ok(build) = Build::parse(build) else {
            continue;
        };
        if out.iter().all(|i| &i.repository != repository) {
            out.push(Image {
                repository: repository.clone(),
                target: build.target,
                binary: build.binary,
                platform: SERVICE_PLATFORM.into(),
            });
        }
    }
    for (key, lambda) in &s.lambdas {
        out.push(Image {
            repository: format!("lambda-{key}"),
            target: "lambda".into(),
            binary: Some("tradai-lambda".into()),
            platform: lambda_platform(lambda.architecture),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Environment, Loader};

    #[test]
    fn builds_are_a_target_and_a_workspace_binary() {
        assert_eq!(
            Build::parse("service:tradai-backend"),
            Ok(Build {
                target: "service".into(),
                binary: Some("tradai-backend".into())
            })
        );
        assert!(Build::parse("mlflow").is_ok());
        assert!(Build::parse("service:tradai-trading").is_err());
        assert!(Build::parse("lambda:tradai-lambda").is_err());
    }

    #[test]
    fn the_plan_builds_every_service_with_a_build_and_one_image_per_function() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        let plan = plan(&config);
        let of = |repo: &str| plan.iter().find(|i| i.repository == repo).cloned();
        assert_eq!(
            of("backend").map(|i| (i.target, i.binary, i.platform)),
            Some((
                "service".into(),
                Some("tradai-backend".into()),
                "linux/amd64".into()
            ))
        );
        assert_eq!(of("mlflow").map(|i| i.target), Some("mlflow".into()));
        assert_eq!(
            of("lambda-health-check").map(|i| i.platform),
            Some("linux/arm64".into())
        );
        assert!(
            of("live-trading").is_none(),
            "no trading binary yet (issue 20)"
        );
    }
}
