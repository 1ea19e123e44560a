//! Compute mode, the SERVICES table and container registries.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How containers run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeSettings {
    /// `consolidated-ec2` runs every always-on service on one EC2 host; `fargate` runs each as a Fargate service.
    pub mode: ComputeMode,
    /// Instance type of the consolidated EC2 host.
    pub consolidated_instance_type: String,
    /// Cloud Map private DNS namespace (`http://<service>.<namespace>:<port>`).
    pub service_discovery_namespace: String,
    /// Whether ECS Container Insights is enabled on the cluster.
    pub container_insights: bool,
    /// Image tag every service and Lambda deploys (the deploy pipeline sets `TRADAI_COMPUTE__IMAGE_TAG`).
    pub image_tag: String,
}

/// The public Application Load Balancer in front of the always-on services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbSettings {
    /// DNS name the HTTPS listener's ACM certificate is issued for (validated by DNS).
    pub domain_name: String,
    /// TLS policy of the HTTPS listener.
    pub ssl_policy: String,
    /// Seconds an idle connection stays open (1 to 4000).
    pub idle_timeout_seconds: u32,
    /// Seconds a deregistering target keeps serving in-flight requests (0 to 3600).
    pub deregistration_delay_seconds: u32,
}

/// ECS capacity model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ComputeMode {
    ConsolidatedEc2,
    Fargate,
}

/// One row of the SERVICES table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// `always-on` (an ECS service), `on-demand` (a task started per job) or `per-strategy` (one service per strategy).
    pub kind: ServiceKind,
    /// Name component used in ECS and ALB resource names when it differs from the service key (`backend`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Container port; none for tasks that serve nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// CPU units (1024 = 1 vCPU); with `memory_mib` a valid Fargate pair.
    pub cpu: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
    /// Memory in MiB reserved for placement on the consolidated EC2 host (soft; `memory_mib` stays the hard
    /// limit); the host's always-on services must fit its memory together (`tradai infra check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation_mib: Option<u32>,
    /// HTTP health-check path; none for tasks without a port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_path: Option<String>,
    /// The container health check (exec form, `CMD` first) of an image that is not ours; our distroless
    /// images probe themselves (`/usr/local/bin/app --health-check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_command: Option<Vec<String>>,
    /// ALB path patterns routed to this service (always-on services only), e.g. `/api/v1/ohlcv*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alb_paths: Vec<String>,
    /// Priority of its ALB listener rules (lower is evaluated first; unique across services).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alb_priority: Option<u32>,
    /// Seconds of health-check grace after start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_seconds: Option<u32>,
    /// Whether Fargate Spot may run it (never for live trading).
    #[serde(default = "yes")]
    pub spot: bool,
    /// Number of running copies in this environment.
    #[serde(default)]
    pub desired_count: u32,
    /// Key of its repository in `ecr.service_repositories`; none when images come from strategy repositories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecr_repository: Option<String>,
    /// How the pipeline builds its image: `service:<binary>` (our distroless image of that workspace binary) or
    /// `mlflow` (the Dockerfile's MLflow target). Required for always-on and on-demand services; a per-strategy
    /// service without one has no image yet and is not deployed (`tradai infra images` lists the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
}

impl ServiceSpec {
    /// Whether its image is one of ours (a workspace binary on the distroless base, which probes its own
    /// health and reaches the other services by Cloud Map names).
    pub fn is_ours(&self) -> bool {
        self.build
            .as_deref()
            .and_then(|b| crate::images::Build::parse(b).ok())
            .is_some_and(|b| b.binary.is_some())
    }
}

fn yes() -> bool {
    true
}

/// Lifecycle of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    AlwaysOn,
    OnDemand,
    PerStrategy,
}

/// ECR settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EcrSettings {
    /// The service image repositories (`backend` → `tradai/<env>/backend`).
    pub service_repositories: Vec<String>,
    /// How many images a lifecycle policy keeps per repository.
    pub image_retention_count: u32,
    /// Whether images are scanned on push.
    pub scan_on_push: bool,
}
