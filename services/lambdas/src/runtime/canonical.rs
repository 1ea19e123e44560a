//! The canonical config a function starts with: the copy the build script validated (`build.rs`). A deployed
//! function runs exactly the config its image was built and checked with, so `TRADAI_…__…` overrides, which
//! every other binary merges, stop its start instead (decision W39).

use tradai_config::{Config, Environment};

use super::StartupError;

/// The settings of `env` as the build validated them, or the build's problems with them (one is empty).
fn built(env: Environment) -> (&'static str, &'static str) {
    macro_rules! embedded {
        ($env:literal) => {
            (
                include_str!(concat!(env!("OUT_DIR"), "/", $env, ".json")),
                include_str!(concat!(env!("OUT_DIR"), "/", $env, ".problems")),
            )
        };
    }
    match env {
        Environment::Dev => embedded!("dev"),
        Environment::Staging => embedded!("staging"),
        Environment::Prod => embedded!("prod"),
    }
}

/// The canonical config of `env`, given the process's config-overriding variables.
pub fn config(env: Environment, overrides: &[String]) -> Result<Config, StartupError> {
    if !overrides.is_empty() {
        return Err(StartupError(format!(
            "{}: a function runs the config validated when its image was built; change \
             config/environments/ and rebuild the image (scripts/build-lambda) instead of overriding it",
            overrides.join(", ")
        )));
    }
    let (json, problems) = built(env);
    Config::prevalidated(env, json).ok_or_else(|| {
        StartupError(format!(
            "the {env} config did not validate when this binary was built: {problems}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use tradai_config::Loader;

    use super::*;

    #[test]
    fn the_built_copy_is_the_config_the_loader_validates() {
        for env in Environment::ALL {
            let loaded = Loader::embedded()
                .without_env_vars()
                .load(env)
                .expect("valid");
            let built = config(env, &[]).expect("the build embedded it");
            assert_eq!(built.settings(), loaded.settings(), "{env:?}");
            assert_eq!(built.env(), env);
            assert_eq!(super::built(env).1, "", "no problems");
        }
        assert!(Config::prevalidated(Environment::Dev, "").is_none());
    }

    #[test]
    fn an_override_stops_the_start_naming_it() {
        let err = config(Environment::Dev, &["TRADAI_PROJECT__NAME".into()]).expect_err("refused");
        assert!(
            err.0
                .starts_with("TRADAI_PROJECT__NAME: a function runs the config validated"),
            "{err}"
        );
    }
}
