//! `tradai-stack-edge`: how the world reaches the platform and how operators watch it (reference §5.3, §7.5,
//! §14): the HTTP API with its Cognito JWT authorizer and VPC link to the ALB, the WAF web ACL, the alarms and
//! the dashboard. It reads the three layers below through their typed outputs only.

mod alarms;
mod api;
mod dashboard;
mod waf;

pub use alarms::{alarms, AlarmSpec};
pub use waf::rules as waf_rules;

use pulumi_gestalt_rust::Context;
use tradai_config::Config;
use tradai_stack_kit::{ComputeOutputs, FoundationOutputs, Known, PersistentOutputs};

/// What the edge layer exports.
pub const EXPORTS: [&str; 4] = ["api_id", "api_endpoint", "web_acl_arn", "dashboard_name"];

/// Create the edge layer of `config`.
pub fn edge(ctx: &Context, config: &Config) -> anyhow::Result<()> {
    let upstream = Known::upstream(
        ctx,
        &PersistentOutputs::read(ctx, config),
        &FoundationOutputs::read(ctx, config),
    );
    let upstream = Known::with_compute(&upstream, ctx, &ComputeOutputs::read(ctx, config));

    let api = api::api(ctx, config, &upstream);
    let known = Known::with_api(&upstream, &api.id);
    let web_acl = waf::web_acl(ctx, config, &known);
    alarms::create(ctx, config, &known);
    let dashboard = dashboard::dashboard(ctx, config, &known);
    for (name, value) in EXPORTS
        .iter()
        .zip([&api.id, &api.endpoint, &web_acl, &dashboard])
    {
        ctx.add_export(name, value);
    }
    Ok(())
}
