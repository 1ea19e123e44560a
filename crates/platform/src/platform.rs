//! [`Platform`]: the ports and what backs them, as every binary's `main` builds them from its flags.

use std::sync::Arc;

#[cfg(feature = "aws-ports")]
use tradai_aws::{Clients, Endpoint};
use tradai_config::Config;
use tradai_domain::ports::{Executor, WorkflowStarter};
use tradai_domain::DomainError;

#[cfg(feature = "aws-ports")]
use crate::settings::AwsSettings;
use crate::settings::SettingsError;
use crate::{ExecutorKind, MemoryPorts, Ports};

/// Which adapters a binary runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Adapters {
    /// In-memory (the embedded default: no external process).
    Memory,
    /// AWS: the account of the credentials, or the emulator at `AWS_ENDPOINT_URL`.
    Aws,
}

/// What backs the ports.
#[derive(Debug, Clone)]
pub enum Backing {
    /// The in-memory twins, kept as their concrete types.
    Memory(Box<MemoryPorts>),
    /// AWS (or an emulator) over these clients.
    #[cfg(feature = "aws-ports")]
    Aws(Box<Clients>),
}

/// Why the platform cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("--adapters aws: this binary was built without the AWS adapters (build it with the `aws` feature)")]
    NoAws,
}

/// The platform's ports and what backs them.
#[derive(Debug, Clone)]
pub struct Platform {
    pub ports: Ports,
    pub backing: Backing,
}

impl Platform {
    /// Every port in memory.
    pub fn memory(config: &Config) -> Result<Platform, PlatformError> {
        Ok(Platform::on_memory(MemoryPorts::new(config)?))
    }

    /// The platform on these in-memory twins.
    pub fn on_memory(memory: MemoryPorts) -> Platform {
        Platform {
            ports: memory.ports(),
            backing: Backing::Memory(Box::new(memory)),
        }
    }

    /// Every port on AWS adapters over `clients`.
    #[cfg(feature = "aws-ports")]
    pub fn on_clients(
        config: &Config,
        clients: Clients,
        settings: &AwsSettings,
    ) -> Result<Platform, PlatformError> {
        Ok(Platform {
            ports: Ports::aws(config, &clients, settings)?,
            backing: Backing::Aws(Box::new(clients)),
        })
    }

    /// Every port on AWS adapters at `endpoint`.
    #[cfg(feature = "aws-ports")]
    pub async fn aws(
        config: &Config,
        endpoint: &Endpoint,
        settings: &AwsSettings,
    ) -> Result<Platform, PlatformError> {
        let mut platform =
            Platform::on_clients(config, Clients::connect(endpoint).await, settings)?;
        if let Endpoint::Emulator { url, .. } = endpoint {
            platform.ports.description = format!("AWS adapters on the emulator at {url}");
        }
        Ok(platform)
    }

    /// The platform a binary's `--adapters` flag asks for: in memory, or on AWS in the config's region (the
    /// emulator at `AWS_ENDPOINT_URL` when that is set) with [`AwsSettings`] from the environment.
    pub async fn start(config: &Config, adapters: Adapters) -> Result<Platform, PlatformError> {
        match adapters {
            Adapters::Memory => Platform::memory(config),
            #[cfg(feature = "aws-ports")]
            Adapters::Aws => {
                let endpoint = Endpoint::from_env(config.settings().aws.region.clone());
                Platform::aws(config, &endpoint, &AwsSettings::from_env()?).await
            }
            #[cfg(not(feature = "aws-ports"))]
            Adapters::Aws => Err(PlatformError::NoAws),
        }
    }

    /// An executor of a kind that runs outside this process (`local` is refused: build it with
    /// `tradai-local-executor`), on what backs the ports.
    #[cfg_attr(not(feature = "aws-ports"), allow(unused_variables))]
    pub async fn remote_executor(
        &self,
        kind: ExecutorKind,
        config: &Config,
    ) -> Result<Arc<dyn Executor>, DomainError> {
        match &self.backing {
            Backing::Memory(memory) => memory.executor(kind),
            #[cfg(feature = "aws-ports")]
            Backing::Aws(clients) => crate::executor::aws(kind, config, clients, &self.ports).await,
        }
    }

    /// The config's state machine `key` on AWS (Step Functions, or the emulator's); on memory there is none
    /// (build the in-process one with `tradai-local-executor`).
    #[cfg_attr(not(feature = "aws-ports"), allow(unused_variables))]
    pub async fn workflow(
        &self,
        config: &Config,
        key: &str,
    ) -> Result<Arc<dyn WorkflowStarter>, DomainError> {
        match &self.backing {
            Backing::Memory(_) => Err(DomainError::Configuration(format!(
                "the {key} workflow runs in Step Functions on AWS adapters; in memory, build the local one with tradai-local-executor"
            ))),
            #[cfg(feature = "aws-ports")]
            Backing::Aws(clients) => Ok(crate::executor::workflow(config, clients, key).await?),
        }
    }
}
