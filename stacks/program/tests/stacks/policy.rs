//! The policy checks of DESIGN §7 hold for every layer built so far, in every environment.

use std::path::Path;

use tradai_config::{Environment, Layer, Loader};
use tradai_stack_testing::{aws_schema, plan, policy};

/// Buckets encrypted and private, tables encrypted with PITR on state tables, no IAM * on *, everything tagged,
/// log retention, IMDSv2, no open ingress but the ALB's web ports: in dev, staging and prod.
#[tokio::test]
async fn every_environment_passes_the_policy_checks() {
    let program = Path::new(env!("CARGO_BIN_EXE_tradai-pulumi"));
    let schema = aws_schema();
    for env in Environment::ALL {
        let config = Loader::embedded()
            .without_env_vars()
            .load(env)
            .expect("valid");
        let graph = plan(
            program,
            &config,
            &[Layer::Persistent, Layer::Foundation],
            None,
        )
        .await
        .expect("plans");
        assert!(graph.len() > 150, "{env}: {} resources", graph.len());
        let violations = policy::check(&graph, &schema);
        assert!(violations.is_empty(), "{env}: {violations:#?}");
    }
}
