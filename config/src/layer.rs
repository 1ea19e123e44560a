//! The four infrastructure layers and stack names `<layer>-<env>`.

use std::fmt;
use std::str::FromStr;

use crate::Environment;

/// A Pulumi stack layer, in deployment order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Data-bearing resources that survive every dev cycle (S3, DynamoDB, ECR, Cognito, CloudTrail).
    Persistent,
    /// Network, database, queues and topics.
    Foundation,
    /// IAM, ALB, ECS, Lambda, Step Functions.
    Compute,
    /// API Gateway, WAF, alarms, dashboard.
    Edge,
}

impl Layer {
    /// Every layer in deployment order.
    pub const ALL: [Layer; 4] = [
        Layer::Persistent,
        Layer::Foundation,
        Layer::Compute,
        Layer::Edge,
    ];

    /// The layer's name in stack names.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Persistent => "persistent",
            Layer::Foundation => "foundation",
            Layer::Compute => "compute",
            Layer::Edge => "edge",
        }
    }

    /// Split a stack name `<layer>-<env>` (e.g. `foundation-dev`).
    pub fn parse_stack(stack: &str) -> Result<(Layer, Environment), StackNameError> {
        let bad = || StackNameError(stack.to_owned());
        let (layer, env) = stack.split_once('-').ok_or_else(bad)?;
        Ok((
            layer.parse().map_err(|_| bad())?,
            env.parse().map_err(|_| bad())?,
        ))
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Layer {
    type Err = StackNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layer::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| StackNameError(s.to_owned()))
    }
}

/// A stack name that is not `<layer>-<env>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stack '{0}' is not <layer>-<env>: layer one of persistent, foundation, compute, edge; env one of dev, staging, prod")]
pub struct StackNameError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stack_names_into_layer_and_environment() {
        assert_eq!(
            Layer::parse_stack("foundation-dev"),
            Ok((Layer::Foundation, Environment::Dev))
        );
        assert_eq!(
            Layer::parse_stack("edge-prod"),
            Ok((Layer::Edge, Environment::Prod))
        );
    }

    #[test]
    fn rejects_stack_names_outside_the_scheme() {
        for bad in ["dev", "network-dev", "compute-qa", "compute"] {
            let err = Layer::parse_stack(bad).unwrap_err();
            assert!(err
                .to_string()
                .starts_with(&format!("stack '{bad}' is not <layer>-<env>")));
        }
    }
}
