//! The public HTTP API: which routes API Gateway exposes and how hard it may be driven.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// API Gateway settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// Route keys `METHOD /path` (path parameters in braces), all forwarded to the ALB over the VPC link.
    pub routes: Vec<String>,
    /// Routes reachable without a token (health); every other route needs a Cognito JWT.
    pub public_routes: Vec<String>,
    /// Steady-state requests per second across the API.
    pub throttling_rate_limit: u32,
    /// Burst of requests above the steady rate.
    pub throttling_burst_limit: u32,
}

/// One parsed route key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute<'a> {
    pub method: &'a str,
    pub path: &'a str,
}

impl<'a> ApiRoute<'a> {
    /// Methods a route may use.
    pub const METHODS: [&'static str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// Parse `METHOD /path`; `None` when it is not of that shape.
    pub fn parse(key: &'a str) -> Option<Self> {
        let (method, path) = key.split_once(' ')?;
        (Self::METHODS.contains(&method) && path.starts_with('/') && !path.contains(' '))
            .then_some(ApiRoute { method, path })
    }
}
