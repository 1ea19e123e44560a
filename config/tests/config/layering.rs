//! Layers: built-in defaults → base.toml → <env>.toml → TRADAI_* variables; later layers win.
#![allow(clippy::result_large_err)] // figment::Jail closures return figment::Error, which is large by design.

use figment::Jail;
use tradai_config::{ComputeMode, ConfigDir, ConfigError, Environment, Loader};

use crate::helpers::{shipped_dir, TempConfig};

fn loader() -> Loader {
    Loader::new(ConfigDir::Path(shipped_dir()))
}

/// The environment file overrides base.toml, which overrides the built-in defaults.
#[test]
fn later_files_override_earlier_ones() {
    let config = TempConfig::new();
    config.append("staging", "[logging]\nretention_days = 60\n");
    let staging = config.loader().load(Environment::Staging).expect("valid");
    assert_eq!(staging.settings().logging.retention_days, 60);
    let dev = config.loader().load(Environment::Dev).expect("valid");
    assert_eq!(dev.settings().logging.retention_days, 30, "base.toml value");
    assert_eq!(
        dev.settings().ecr.image_retention_count,
        10,
        "built-in default"
    );
    config.write(
        "base",
        &config
            .read("base")
            .replace("[ecr]\n", "[ecr]\nimage_retention_count = 25\n"),
    );
    let dev = config.loader().load(Environment::Dev).expect("valid");
    assert_eq!(
        dev.settings().ecr.image_retention_count,
        25,
        "base.toml beats the default"
    );
}

/// `TRADAI_<SECTION>__<KEY>` variables override every file; other TRADAI_* variables are not config; unquoted
/// numbers in variables are accepted where the key is text.
#[test]
fn environment_variables_override_files() {
    Jail::expect_with(|jail| {
        jail.set_env("TRADAI_LOGGING__RETENTION_DAYS", "14");
        jail.set_env("TRADAI_COMPUTE__MODE", "fargate");
        jail.set_env("TRADAI_DATABASE__ENGINE_VERSION", "15.14");
        jail.set_env("TRADAI_LAMBDAS__DRIFT-MONITOR__ENV__MIN_SAMPLES", "20");
        jail.set_env("TRADAI_ENV", "dev");
        jail.set_env("TRADAI_TOKEN", "secret");
        let dev = loader()
            .load(Environment::Dev)
            .expect("valid with overrides");
        assert_eq!(dev.settings().logging.retention_days, 14);
        assert_eq!(dev.settings().compute.mode, ComputeMode::Fargate);
        assert_eq!(
            dev.settings().database.engine_version,
            "15.14",
            "a number in a variable is text where text is expected"
        );
        assert_eq!(
            dev.settings().lambdas["drift-monitor"].env["MIN_SAMPLES"],
            "20"
        );
        let files_only = loader()
            .without_env_vars()
            .load(Environment::Dev)
            .expect("valid");
        assert_eq!(files_only.settings().logging.retention_days, 30);
        Ok(())
    });
}

/// A bad or misspelt variable is reported under the variable's own name.
#[test]
fn problems_from_environment_variables_name_the_variable() {
    Jail::expect_with(|jail| {
        jail.set_env("TRADAI_WAF__RATE_LIMIT", "5");
        jail.set_env("TRADAI_WAF__RATE_LIMT", "500");
        let Err(ConfigError::Invalid(problems)) = loader().load(Environment::Prod) else {
            panic!("expected problems");
        };
        let text = problems.to_string();
        assert!(text.contains("environment variable TRADAI_WAF__RATE_LIMIT: waf.rate_limit = 5: rate limit is out of range; allowed: 10 to 2000000000"), "{text}");
        assert!(
            text.contains(
                "environment variable TRADAI_WAF__RATE_LIMT: waf.rate_limt = 500: unknown key"
            ),
            "{text}"
        );
        Ok(())
    });
}

/// With no directory on disk, the copy compiled into the binary is used and named as such.
#[test]
fn the_embedded_copy_equals_the_files_in_the_workspace() {
    for env in Environment::ALL {
        let embedded = Loader::embedded()
            .without_env_vars()
            .load(env)
            .expect("valid");
        let on_disk = loader().without_env_vars().load(env).expect("valid");
        assert_eq!(
            embedded, on_disk,
            "{env}: rebuild after editing config/environments"
        );
    }
    assert_eq!(
        ConfigDir::Embedded.display("dev"),
        "config/environments/dev.toml (embedded)"
    );
}

/// Programmatic overrides sit on top of every layer and are validated like file values.
#[test]
fn programmatic_overrides_win_and_are_validated() {
    let config = loader()
        .without_env_vars()
        .with_value("project.name", "t123")
        .load(Environment::Dev)
        .expect("valid");
    assert_eq!(
        config.names().table("workflow-state").as_str(),
        "t123-workflow-state-dev"
    );
    let Err(ConfigError::Invalid(problems)) = loader()
        .without_env_vars()
        .with_value("waf.rate_limit", 1)
        .load(Environment::Dev)
    else {
        panic!("expected problems");
    };
    assert!(
        problems
            .to_string()
            .contains("override of waf.rate_limit: waf.rate_limit = 1: rate limit is out of range"),
        "{problems}"
    );
}
