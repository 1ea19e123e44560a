//! Reading an upstream layer's exports through a StackReference `<org>/tradai/<layer>-<env>`.

use std::collections::HashMap;

use pulumi_gestalt_rust::{Context, Output, RegisterResourceRequest, ResourceRequestObjectField};
use tradai_config::{Config, Layer};

/// The exports of an upstream stack.
pub struct Upstream {
    stack: String,
    outputs: Output<HashMap<String, String>>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("stack", &self.stack)
            .finish()
    }
}

impl Upstream {
    /// Register the StackReference of `layer` for this environment.
    pub fn read(ctx: &Context, config: &Config, layer: Layer) -> Self {
        let stack = config.stack_reference(layer);
        let name = ctx.new_output(&stack);
        let fields = [ResourceRequestObjectField {
            name: "name".to_owned(),
            value: &name,
        }];
        let reference = ctx.register_resource(RegisterResourceRequest {
            type_: "pulumi:pulumi:StackReference".to_owned(),
            name: stack.clone(),
            version: String::new(),
            object: &fields,
            options: None,
        });
        Upstream {
            stack,
            outputs: reference.get_field("outputs"),
        }
    }

    /// One export. The program checks every upstream export a layer reads before it runs
    /// ([`crate::preflight`]), so a stack without it is refused there with an error naming both; reaching the
    /// message here means the upstream stack changed during the run.
    pub fn get(&self, key: &str) -> Output<String> {
        let stack = self.stack.clone();
        let key = key.to_owned();
        self.outputs.map(move |outputs| match outputs.get(&key) {
            Some(value) => value.clone(),
            None => panic!(
                "stack {stack} has no output '{key}' (exports: {:?})",
                outputs.keys().collect::<Vec<_>>()
            ),
        })
    }
}
