//! One Step Functions state machine.

use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_sfn::types::ExecutionStatus as SfnStatus;
use aws_sdk_sfn::Client;
use serde_json::Value;
use tradai_domain::ports::{ExecutionStatus, WorkflowStarter};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use crate::error::domain_error;

/// Executions of a state machine, by ARN.
#[derive(Debug)]
pub struct SfnWorkflows {
    client: Client,
    state_machine_arn: String,
    policy: Arc<ResiliencePolicy>,
}

impl SfnWorkflows {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::WORKFLOWS];

    /// The state machine `state_machine_arn`.
    pub fn new(client: Client, state_machine_arn: String, policy: Arc<ResiliencePolicy>) -> Self {
        SfnWorkflows {
            client,
            state_machine_arn,
            policy,
        }
    }

    async fn describe(
        &self,
        execution_arn: &str,
    ) -> Result<aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput> {
        self.policy
            .protect(|| async {
                match self
                    .client
                    .describe_execution()
                    .execution_arn(execution_arn)
                    .send()
                    .await
                {
                    Ok(output) => Ok(Some(output)),
                    Err(err)
                        if err
                            .as_service_error()
                            .is_some_and(|e| e.is_execution_does_not_exist()) =>
                    {
                        Ok(None)
                    }
                    Err(err) => Err(domain_error("states", err)),
                }
            })
            .await?
            .ok_or_else(|| DomainError::not_found("execution", execution_arn))
    }
}

#[async_trait]
impl WorkflowStarter for SfnWorkflows {
    async fn start(&self, name: &str, input: &Value) -> Result<String> {
        let text = input.to_string();
        let started = self
            .policy
            .protect(|| async {
                let request = self
                    .client
                    .start_execution()
                    .state_machine_arn(&self.state_machine_arn)
                    .name(name)
                    .input(&text);
                match request.send().await {
                    Ok(output) => Ok(Some(output.execution_arn().to_owned())),
                    Err(err)
                        if err
                            .as_service_error()
                            .is_some_and(|e| e.is_execution_already_exists()) =>
                    {
                        Ok(None)
                    }
                    Err(err) => Err(domain_error("states", err)),
                }
            })
            .await?;
        if let Some(arn) = started {
            return Ok(arn);
        }
        // Same name again: idempotent when the input is the same, a conflict otherwise.
        let arn = format!(
            "{}:{name}",
            self.state_machine_arn
                .replacen(":stateMachine:", ":execution:", 1)
        );
        let existing = self.describe(&arn).await?;
        let same = existing
            .input()
            .and_then(|i| serde_json::from_str::<Value>(i).ok())
            .as_ref()
            == Some(input);
        if same {
            Ok(arn)
        } else {
            Err(DomainError::Conflict(format!(
                "execution '{name}' already exists with another input"
            )))
        }
    }

    async fn status(&self, execution_arn: &str) -> Result<ExecutionStatus> {
        Ok(match self.describe(execution_arn).await?.status() {
            SfnStatus::Succeeded => ExecutionStatus::Succeeded,
            SfnStatus::Failed => ExecutionStatus::Failed,
            SfnStatus::TimedOut => ExecutionStatus::TimedOut,
            SfnStatus::Aborted => ExecutionStatus::Aborted,
            _ => ExecutionStatus::Running,
        })
    }

    async fn stop(&self, execution_arn: &str, cause: &str) -> Result<()> {
        self.policy
            .protect(|| async {
                self.client
                    .stop_execution()
                    .execution_arn(execution_arn)
                    .cause(cause)
                    .send()
                    .await
                    .map_err(|e| domain_error("states", e))
            })
            .await?;
        Ok(())
    }
}
