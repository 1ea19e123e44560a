//! A Step Functions state machine in memory: it records executions; running them is the local executor's job.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;
use tradai_domain::ports::{ExecutionStatus, WorkflowStarter};
use tradai_domain::{DomainError, Result};

use crate::lock;

#[derive(Debug, Clone)]
struct Execution {
    arn: String,
    input: Value,
    status: ExecutionStatus,
}

/// Executions by name.
#[derive(Debug)]
pub struct MemoryWorkflows {
    state_machine_arn: String,
    executions: Mutex<BTreeMap<String, Execution>>,
}

impl MemoryWorkflows {
    /// Executions of the state machine `name`.
    pub fn new(name: &str) -> Self {
        MemoryWorkflows {
            state_machine_arn: format!("arn:aws:states:local:000000000000:stateMachine:{name}"),
            executions: Mutex::default(),
        }
    }

    /// Record how an execution ended (used by the local executor).
    pub fn finish(&self, execution_arn: &str, status: ExecutionStatus) -> Result<()> {
        let mut executions = lock(&self.executions);
        let execution = executions
            .values_mut()
            .find(|e| e.arn == execution_arn)
            .ok_or_else(|| DomainError::not_found("execution", execution_arn))?;
        execution.status = status;
        Ok(())
    }

    /// The input an execution started with.
    pub fn input(&self, execution_arn: &str) -> Option<Value> {
        lock(&self.executions)
            .values()
            .find(|e| e.arn == execution_arn)
            .map(|e| e.input.clone())
    }
}

#[async_trait]
impl WorkflowStarter for MemoryWorkflows {
    async fn start(&self, name: &str, input: &Value) -> Result<String> {
        let mut executions = lock(&self.executions);
        if let Some(existing) = executions.get(name) {
            return if existing.input == *input {
                Ok(existing.arn.clone())
            } else {
                Err(DomainError::Conflict(format!(
                    "execution '{name}' already exists with another input"
                )))
            };
        }
        let arn = format!(
            "{}:{name}",
            self.state_machine_arn
                .replace(":stateMachine:", ":execution:")
        );
        executions.insert(
            name.to_owned(),
            Execution {
                arn: arn.clone(),
                input: input.clone(),
                status: ExecutionStatus::Running,
            },
        );
        Ok(arn)
    }

    async fn status(&self, execution_arn: &str) -> Result<ExecutionStatus> {
        lock(&self.executions)
            .values()
            .find(|e| e.arn == execution_arn)
            .map(|e| e.status)
            .ok_or_else(|| DomainError::not_found("execution", execution_arn))
    }

    async fn stop(&self, execution_arn: &str, _cause: &str) -> Result<()> {
        let mut executions = lock(&self.executions);
        let execution = executions
            .values_mut()
            .find(|e| e.arn == execution_arn)
            .ok_or_else(|| DomainError::not_found("execution", execution_arn))?;
        if execution.status == ExecutionStatus::Running {
            execution.status = ExecutionStatus::Aborted;
        }
        Ok(())
    }
}
