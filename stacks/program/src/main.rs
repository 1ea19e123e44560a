//! `tradai-pulumi`: the program of Pulumi project `tradai`. The stack name `<layer>-<env>` picks the layer and the
//! environment; the canonical config of that environment defines everything the layer creates.

use anyhow::Context as _;
use pulumi_gestalt_rust::Context;
use tradai_config::{Layer, Loader};

mod upstream;

fn main() -> anyhow::Result<()> {
    // The upstream stacks' exports are checked before anything is registered: a missing or renamed export is
    // this error, naming the stack and the keys, not a failure inside an output.
    if let Ok(stack) = std::env::var("PULUMI_STACK") {
        let (layer, env) = Layer::parse_stack(&stack)?;
        let config = Loader::discover()
            .load(env)
            .with_context(|| format!("loading the {env} config for stack {stack}"))?;
        upstream::check(layer, &config)?;
    }
    pulumi_gestalt_rust::run(program)
}

fn program(ctx: &Context) -> anyhow::Result<()> {
    let stack = ctx.get_stack();
    let (layer, env) = Layer::parse_stack(stack)?;
    let config = Loader::discover()
        .load(env)
        .with_context(|| format!("loading the {env} config for stack {stack}"))?;
    match layer {
        Layer::Persistent => tradai_stack_persistent::persistent(ctx, &config),
        Layer::Foundation => tradai_stack_foundation::foundation(ctx, &config)?,
        Layer::Compute => tradai_stack_compute::compute(ctx, &config)?,
        Layer::Edge => tradai_stack_edge::edge(ctx, &config)?,
    }
    Ok(())
}
