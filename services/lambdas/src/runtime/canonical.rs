//! The canonical config a function starts with: the copy the build script validated (`build.rs`), unless
//! `TRADAI_…__…` variables override it, when it is loaded and validated at start as `Loader` does.

use tradai_config::{Config, Environment, Loader};

use super::StartupError;

/// The settings of `env` as the build validated them (empty when they did not validate).
fn built(env: Environment) -> &'static str {
    match env {
        Environment::Dev => include_str!(concat!(env!("OUT_DIR"), "/dev.json")),
        Environment::Staging => include_str!(concat!(env!("OUT_DIR"), "/staging.json")),
        Environment::Prod => include_str!(concat!(env!("OUT_DIR"), "/prod.json")),
    }
}

/// The canonical config of `env`.
pub fn config(env: Environment) -> Result<Config, StartupError> {
    if !tradai_config::overridden_by_env() {
        if let Some(config) = Config::prevalidated(env, built(env)) {
            return Ok(config);
        }
    }
    Loader::embedded()
        .load(env)
        .map_err(|e| StartupError(format!("the canonical config does not load: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_copy_is_the_config_the_loader_validates() {
        for env in Environment::ALL {
            let loaded = Loader::embedded()
                .without_env_vars()
                .load(env)
                .expect("valid");
            let built = Config::prevalidated(env, built(env)).expect("the build embedded it");
            assert_eq!(built.settings(), loaded.settings(), "{env:?}");
            assert_eq!(built.env(), env);
        }
        assert!(Config::prevalidated(Environment::Dev, "").is_none());
    }
}
