//! Config TOML: an edited environment file is loaded, merged and validated; the answer is the config or
//! problems that each name a key and what is allowed, never a panic.

use tradai_config::{ConfigError, Environment, Loader};
use tradai_fuzz::Target;

#[test]
fn config_toml() {
    let dev = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/environments/dev.toml"
    ))
    .expect("dev.toml");
    Target::new("config-toml").seed(dev).run(|input| {
        let loaded = Loader::embedded()
            .without_env_vars()
            .with_contents("dev", crate::text(input))
            .load(Environment::Dev);
        match loaded {
            Ok(_) => Ok(()),
            Err(ConfigError::Invalid(problems)) if problems.0.is_empty() => {
                Err("refused without naming a problem".into())
            }
            Err(ConfigError::Invalid(problems)) => {
                match problems.0.iter().find(|p| p.key.is_empty()) {
                    Some(p) => Err(format!("a problem names no key: {p:?}")),
                    None => Ok(()),
                }
            }
            Err(other) if other.to_string().is_empty() => Err("an error without text".into()),
            Err(_) => Ok(()),
        }
    });
}
