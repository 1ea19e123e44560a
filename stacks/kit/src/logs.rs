//! Log groups, each with the configured retention (the policy checks require one).

use pulumi_gestalt_rust::{Context, Output};
use tradai_config::{Config, Layer};
use tradai_pulumi_aws::cloudwatch;

use crate::{int, tags};

/// A created log group.
pub struct LogGroup {
    pub name: Output<String>,
    pub arn: Output<String>,
}

impl std::fmt::Debug for LogGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGroup").finish_non_exhaustive()
    }
}

/// The log group `name` of `component` in `layer`, kept `logging.retention_days`.
pub fn log_group(
    ctx: &Context,
    config: &Config,
    layer: Layer,
    name: &str,
    component: &str,
) -> LogGroup {
    let group = cloudwatch::log_group::create(
        ctx,
        name,
        cloudwatch::log_group::LogGroupArgs::builder()
            .name(name.to_owned())
            .retention_in_days(int(config.settings().logging.retention_days))
            .tags(tags(config, layer, component))
            .build_struct(),
    );
    LogGroup {
        name: group.name,
        arn: group.arn,
    }
}
