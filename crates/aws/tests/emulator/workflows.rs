//! The backtest and retraining definitions are accepted by the emulator's Step Functions as they are.

use tradai_test_support::emulator;
use tradai_workflows::{definition, sample, WORKFLOWS};

#[tokio::test]
async fn the_emulator_accepts_every_workflow_definition() {
    let (config, clients, _) = emulator::provisioned().await;
    let role = emulator::states_role(&clients, &config).await;
    for key in WORKFLOWS {
        let machine = definition(
            key,
            &config.settings().workflows[key],
            &sample::targets(&config),
        )
        .expect("defined");
        let document = machine.to_json().to_string();
        let created = clients
            .sfn
            .create_state_machine()
            .name(config.names().state_machine(key).as_str())
            .definition(&document)
            .role_arn(&role)
            .r#type(aws_sdk_sfn::types::StateMachineType::Standard)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        let described = clients
            .sfn
            .describe_state_machine()
            .state_machine_arn(created.state_machine_arn())
            .send()
            .await
            .expect("describe");
        let stored: serde_json::Value = serde_json::from_str(described.definition()).expect("json");
        assert_eq!(stored, machine.to_json(), "{key}");
    }
}
