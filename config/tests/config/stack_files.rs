//! Every stack `<layer>-<env>` has its Pulumi stack file, and the file agrees with the canonical config.

use std::path::Path;

use tradai_config::{Environment, Layer, Loader};

#[test]
fn every_stack_file_exists_and_pins_the_configured_region() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pulumi");
    for env in Environment::ALL {
        let config = Loader::embedded()
            .without_env_vars()
            .load(env)
            .expect("valid");
        for layer in Layer::ALL {
            let stack = config.names().stack(layer);
            let file = dir.join(format!("Pulumi.{stack}.yaml"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let region = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("aws:region:"))
                .map(str::trim);
            assert_eq!(
                region,
                Some(config.settings().aws.region.as_str()),
                "{}",
                file.display()
            );
        }
    }
    let files = std::fs::read_dir(&dir).expect("dir").count();
    assert_eq!(files, 12, "one file per layer x environment, nothing else");
}
