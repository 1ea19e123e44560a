//! The upstream exports a layer reads, checked before the program registers anything. A Pulumi output has no
//! error channel (a missing StackReference output could only stop the program from inside an apply), so the
//! program reads the upstream stacks' export names first (`pulumi stack output --json`) and refuses with an
//! error naming the stack and every missing key; once this passes, every upstream read finds its key.

use std::collections::BTreeSet;

use tradai_config::{Config, Layer};

use crate::{ComputeOutputs, FoundationOutputs, PersistentOutputs};

/// Upstream exports a layer needs and its upstream stack does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "stack {stack} has no output {}: deploy it from this revision first (pulumi up --stack {stack})",
    missing.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ")
)]
pub struct MissingExports {
    pub stack: String,
    pub missing: Vec<String>,
}

/// The layers `layer` reads, in deployment order.
pub fn upstream_layers(layer: Layer) -> &'static [Layer] {
    match layer {
        Layer::Persistent => &[],
        Layer::Foundation => &[Layer::Persistent],
        Layer::Compute => &[Layer::Persistent, Layer::Foundation],
        Layer::Edge => &[Layer::Persistent, Layer::Foundation, Layer::Compute],
    }
}

/// Every export of `layer` that the layers after it read, for `config`.
pub fn exports(layer: Layer, config: &Config) -> Vec<String> {
    match layer {
        Layer::Persistent => PersistentOutputs::keys(config),
        Layer::Foundation => FoundationOutputs::keys(config),
        Layer::Compute => ComputeOutputs::keys(config),
        Layer::Edge => Vec::new(),
    }
}

/// Check that `present` (the export names of `upstream`'s stack) has everything the later layers read.
pub fn check(
    upstream: Layer,
    config: &Config,
    present: &BTreeSet<String>,
) -> Result<(), MissingExports> {
    let missing: Vec<String> = exports(upstream, config)
        .into_iter()
        .filter(|k| !present.contains(k))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MissingExports {
            stack: config.stack_reference(upstream),
            missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};

    use super::*;

    fn config() -> Config {
        Loader::embedded()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid")
    }

    #[test]
    fn a_missing_export_names_the_stack_and_the_key() {
        let config = config();
        let mut present: BTreeSet<String> =
            exports(Layer::Foundation, &config).into_iter().collect();
        assert_eq!(check(Layer::Foundation, &config, &present), Ok(()));
        present.remove("lambda_security_group_id");
        present.remove("vpc_id");
        let error = check(Layer::Foundation, &config, &present).expect_err("missing");
        assert_eq!(error.stack, config.stack_reference(Layer::Foundation));
        assert_eq!(error.missing, ["vpc_id", "lambda_security_group_id"]);
        assert!(
            error
                .to_string()
                .contains("has no output 'vpc_id', 'lambda_security_group_id'"),
            "{error}"
        );
    }

    #[test]
    fn each_layer_reads_the_layers_before_it() {
        assert!(upstream_layers(Layer::Persistent).is_empty());
        assert_eq!(upstream_layers(Layer::Edge).last(), Some(&Layer::Compute));
        assert!(exports(Layer::Edge, &config()).is_empty());
    }
}
