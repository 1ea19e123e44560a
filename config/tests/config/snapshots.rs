//! The fully resolved config of each environment, pinned: any change to a value or a derived name shows up here.

use tradai_config::{Environment, Loader};

#[test]
fn resolved_config_of_every_environment() {
    for env in Environment::ALL {
        let config = Loader::embedded()
            .without_env_vars()
            .load(env)
            .expect("valid");
        let text = toml::to_string(&config.resolved()).expect("serializes");
        insta::assert_snapshot!(format!("resolved_{env}"), text);
    }
}
