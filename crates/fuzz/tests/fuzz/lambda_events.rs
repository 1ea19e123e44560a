//! Lambda events: every function that runs on the memory platform is served each input as its event. The
//! answer is a result, or a `ValidationError` naming the field, or a `DependencyError`; never a panic. An SQS
//! consumer never fails on a dependency. health-check is left
//! out: it calls the services over HTTP. An SQS consumer answers a batch (a bad record is reported in it) and
//! refuses only an event that is not one.

use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_fuzz::Target;
use tradai_lambdas::registry::{build, Extras, Serve};
use tradai_lambdas::HandlerError;
use tradai_platform::Ports;

fn handlers() -> Vec<Box<dyn Serve>> {
    let config = tradai_test_support::config_with_prefix("fuzz");
    let ports = Ports::memory(&config).expect("ports");
    let extras = Extras::in_memory(&ports);
    Function::ALL
        .iter()
        .filter(|f| **f != Function::HealthCheck)
        .map(|f| {
            let configured = tradai_lambdas::settings::defaults(*f, &config).expect("defaults");
            build(configured, &ports, &extras).expect("builds on the memory platform")
        })
        .collect()
}

#[test]
fn lambda_events() {
    let runtime = crate::runtime();
    let handlers = handlers();
    Target::new("lambda-event").run_json(|input| {
        let Ok(event) = serde_json::from_slice::<Value>(input) else {
            return Ok(());
        };
        for handler in &handlers {
            let function = handler.function();
            let answer = runtime.block_on(handler.serve(event.clone(), Timestamp::now(), "dev"));
            match answer {
                Err(HandlerError::Validation { field, .. }) if field.is_empty() => {
                    return Err(format!("{function}: a refusal names no field"))
                }
                Err(HandlerError::Dependency(e))
                    if matches!(function, Function::BacktestConsumer | Function::SqsConsumer) =>
                {
                    return Err(format!(
                        "{function}: a batch must be answered, not thrown: {e}"
                    ))
                }
                Ok(_) | Err(_) => {}
            }
        }
        Ok(())
    });
}
