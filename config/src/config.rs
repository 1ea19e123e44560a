//! [`Config`]: the validated settings of one environment, with typed accessors and every derived name.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cidr::Ipv4Cidr;
use crate::envref::EnvValue;
use crate::naming::{Names, RepositoryName};
use crate::schedule::ScheduleExpression;
use crate::{Environment, Layer, Settings};

/// The canonical config of one environment. Only [`Loader::load`](crate::Loader::load) builds one, after
/// every rule passed, so its accessors do not fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    env: Environment,
    settings: Settings,
}

/// Whether an ECR repository holds a service image or a Lambda image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepositoryKind {
    Service,
    Lambda,
}

/// One ECR repository of the persistent stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcrRepository {
    /// Key: a service repository name, or `lambda-<function>`.
    pub key: String,
    /// What it holds.
    pub kind: RepositoryKind,
    /// Full repository name.
    pub name: RepositoryName,
}

const VALIDATED: &str = "validated when the config was loaded";

impl Config {
    pub(crate) fn new(env: Environment, settings: Settings) -> Self {
        Config { env, settings }
    }

    /// The config of `env` from settings that [`Loader::load`](crate::Loader::load) produced and validated
    /// earlier, serialised as JSON (a build script's copy of the embedded config). `None` when `json` is not
    /// such settings.
    pub fn prevalidated(env: Environment, json: &str) -> Option<Self> {
        serde_json::from_str(json)
            .ok()
            .map(|settings| Config::new(env, settings))
    }

    /// The environment.
    pub fn env(&self) -> Environment {
        self.env
    }

    /// The settings as written (after layering).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Consume into the settings.
    pub fn into_settings(self) -> Settings {
        self.settings
    }

    /// Name derivation for this environment.
    pub fn names(&self) -> Names<'_> {
        Names::new(&self.settings.project.name, self.env)
    }

    /// The VPC block.
    pub fn vpc_cidr(&self) -> Ipv4Cidr {
        self.settings.network.vpc_cidr.parse().expect(VALIDATED)
    }

    /// Subnet blocks by subnet key.
    pub fn subnet_cidrs(&self) -> BTreeMap<&str, Ipv4Cidr> {
        let subnets = &self.settings.network.subnets;
        subnets
            .iter()
            .map(|(k, s)| (k.as_str(), s.cidr.parse().expect(VALIDATED)))
            .collect()
    }

    /// Every ECR repository: the service repositories and one per Lambda (6 + 18 for TradAI).
    pub fn ecr_repositories(&self) -> Vec<EcrRepository> {
        let names = self.names();
        let services = self
            .settings
            .ecr
            .service_repositories
            .iter()
            .map(|key| EcrRepository {
                key: key.clone(),
                kind: RepositoryKind::Service,
                name: names.repository(key),
            });
        let lambdas = self.settings.lambdas.keys().map(|key| EcrRepository {
            key: format!("lambda-{key}"),
            kind: RepositoryKind::Lambda,
            name: names.lambda_repository(key),
        });
        services.chain(lambdas).collect()
    }

    /// The EventBridge schedules of the Lambdas, by function key.
    pub fn lambda_schedules(&self) -> Vec<(&str, ScheduleExpression)> {
        let mut schedules = Vec::new();
        for (key, lambda) in &self.settings.lambdas {
            for expression in lambda.schedules() {
                schedules.push((key.as_str(), expression.parse().expect(VALIDATED)));
            }
        }
        schedules
    }

    /// A Lambda's environment: `ENVIRONMENT` first, then its configured variables parsed.
    pub fn lambda_env(&self, key: &str) -> Option<Vec<(String, EnvValue)>> {
        let lambda = self.settings.lambdas.get(key)?;
        let configured = lambda
            .env
            .iter()
            .map(|(k, v)| (k.clone(), EnvValue::parse(v).expect(VALIDATED)));
        Some(
            std::iter::once(("ENVIRONMENT".to_owned(), EnvValue::Environment))
                .chain(configured)
                .collect(),
        )
    }

    /// The Secrets Manager secrets the Lambdas reference through `${secret:<name>}`, by name, without repeats.
    pub fn lambda_secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self
            .settings
            .lambdas
            .keys()
            .filter_map(|key| self.lambda_env(key))
            .flatten()
            .filter_map(|(_, value)| match value {
                EnvValue::Secret(name) => Some(name),
                _ => None,
            })
            .collect();
        secrets.sort();
        secrets.dedup();
        secrets
    }

    /// The value of an environment reference when the config alone determines it; `None` for deploy-time values.
    pub fn resolve_static(&self, value: &EnvValue) -> Option<String> {
        let names = self.names();
        Some(match value {
            EnvValue::Literal(text) => text.clone(),
            EnvValue::Table(key) => names.table(key).to_string(),
            EnvValue::Bucket(key) => names.bucket(key).to_string(),
            EnvValue::ServiceUrl(key) => self.service_url(key)?,
            EnvValue::TaskFamily(key) => names.ecs_service(self.service_component(key)?),
            EnvValue::Cluster => names.ecs_cluster(),
            EnvValue::Namespace => self.settings.compute.service_discovery_namespace.clone(),
            EnvValue::Environment => self.env.to_string(),
            _ => return None,
        })
    }

    /// The name component of a service (its `component`, else its key).
    pub fn service_component<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        let service = self.settings.services.get(key)?;
        Some(service.component.as_deref().unwrap_or(key))
    }

    /// `http://{service}.{namespace}:{port}` of a service with a port.
    pub fn service_url(&self, key: &str) -> Option<String> {
        let port = self.settings.services.get(key)?.port?;
        Some(self.names().service_url(
            key,
            &self.settings.compute.service_discovery_namespace,
            port,
        ))
    }

    /// Stack reference `{org}/tradai/{layer}-{env}`.
    pub fn stack_reference(&self, layer: Layer) -> String {
        self.names()
            .stack_reference(&self.settings.project.pulumi_organization, layer)
    }

    /// The name of `queues.<key>` (`.fifo` for a FIFO queue); `None` when the config has no such queue.
    pub fn queue_name(&self, key: &str) -> Option<String> {
        let queue = self.settings.queues.get(key)?;
        Some(self.names().queue(key, queue.fifo).to_string())
    }

    /// The fully resolved view: the environment, every derived name, and the settings.
    pub fn resolved(&self) -> Resolved<'_> {
        let names = self.names();
        let s = &self.settings;
        let map = |keys: Vec<&String>, f: &dyn Fn(&str) -> String| -> BTreeMap<String, String> {
            keys.into_iter().map(|k| (k.clone(), f(k))).collect()
        };
        let queues = s.queues.iter().flat_map(|(key, q)| {
            let main = (key.clone(), names.queue(key, q.fifo).to_string());
            let dlq = q.dead_letter.as_ref().map(|_| {
                (
                    format!("{key}-dlq"),
                    names.dead_letter_queue(key, q.fifo).to_string(),
                )
            });
            std::iter::once(main).chain(dlq)
        });
        Resolved {
            environment: self.env.as_str(),
            names: ResolvedNames {
                stacks: Layer::ALL
                    .iter()
                    .map(|l| (l.as_str().to_owned(), self.stack_reference(*l)))
                    .collect(),
                ecs_cluster: names.ecs_cluster(),
                ecs_services: s
                    .services
                    .keys()
                    .filter_map(|k| {
                        Some((k.clone(), names.ecs_service(self.service_component(k)?)))
                    })
                    .collect(),
                tables: map(s.tables.keys().collect(), &|k| names.table(k).to_string()),
                buckets: map(s.buckets.keys().collect(), &|k| names.bucket(k).to_string()),
                queues: queues.collect(),
                topics: map(s.topics.keys().collect(), &|k| names.topic(k).to_string()),
                lambdas: map(s.lambdas.keys().collect(), &|k| {
                    names.function(k).to_string()
                }),
                workflows: map(s.workflows.keys().collect(), &|k| {
                    names.state_machine(k).to_string()
                }),
                ecr_repositories: self
                    .ecr_repositories()
                    .into_iter()
                    .map(|r| (r.key, r.name.to_string()))
                    .collect(),
                user_pool: names.user_pool(&s.cognito.user_pool),
                public_client: names.public_client(),
                m2m_client: names.m2m_client(),
                state_bucket: names.state_bucket().to_string(),
                dashboard: names.dashboard(),
                ecs_log_group: names.ecs_log_group(),
            },
            settings: s,
        }
    }
}

/// What `tradai config show` prints.
#[derive(Debug, Serialize)]
pub struct Resolved<'a> {
    /// The environment.
    pub environment: &'a str,
    /// Every derived resource name.
    pub names: ResolvedNames,
    /// The layered settings.
    pub settings: &'a Settings,
}

/// Derived names, grouped by resource type and keyed by config key.
#[derive(Debug, Serialize)]
pub struct ResolvedNames {
    pub ecs_cluster: String,
    pub user_pool: String,
    pub public_client: String,
    pub m2m_client: String,
    pub state_bucket: String,
    pub dashboard: String,
    pub ecs_log_group: String,
    pub stacks: BTreeMap<String, String>,
    pub ecs_services: BTreeMap<String, String>,
    pub tables: BTreeMap<String, String>,
    pub buckets: BTreeMap<String, String>,
    pub queues: BTreeMap<String, String>,
    pub topics: BTreeMap<String, String>,
    pub lambdas: BTreeMap<String, String>,
    pub workflows: BTreeMap<String, String>,
    pub ecr_repositories: BTreeMap<String, String>,
}
