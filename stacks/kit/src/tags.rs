//! The tags every resource carries: Project, Environment, Stack, Component.

use std::collections::HashMap;

use tradai_config::{Config, Layer};

/// Tags of a resource of `component` in `layer`.
pub fn tags(config: &Config, layer: Layer, component: &str) -> HashMap<String, String> {
    HashMap::from([
        ("Project".to_owned(), config.settings().project.name.clone()),
        ("Environment".to_owned(), config.env().to_string()),
        ("Stack".to_owned(), config.names().stack(layer)),
        ("Component".to_owned(), component.to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use tradai_config::{Environment, Loader};

    use super::*;

    #[test]
    fn tags_name_project_environment_stack_and_component() {
        let config = Loader::embedded()
            .without_env_vars()
            .load(Environment::Prod)
            .expect("valid");
        let tags = tags(&config, Layer::Persistent, "workflow-state");
        assert_eq!(tags["Project"], "tradai");
        assert_eq!(tags["Environment"], "prod");
        assert_eq!(tags["Stack"], "persistent-prod");
        assert_eq!(tags["Component"], "workflow-state");
        assert_eq!(tags.len(), 4);
    }
}
