//! [`LocalSweeps`]: the hyperopt workflow interpreted in this process, started, watched and stopped as the
//! strategy service does with Step Functions in the cloud (the same [`WorkflowStarter`] port). Sweeps run one
//! at a time, each item's trials on every core; a stopped sweep's running trials end at their next fold, the
//! finished ones are stored, and the execution enters no further state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use serde_json::Value;
use tradai_config::Config;
use tradai_domain::ports::{ExecutionStatus, WorkflowStarter};
use tradai_domain::{DomainError, Result};
use tradai_platform::Ports;
use tradai_workflows::local::ABORTED;

use crate::{LocalIntegrations, LocalWorkflow};

/// Finished executions kept for their status (the oldest are forgotten beyond it).
const KEPT: usize = 1024;

struct Started {
    input: Value,
    stop: Arc<AtomicBool>,
    outcome: Arc<OnceLock<ExecutionStatus>>,
    order: u64,
}

/// The config's hyperopt workflow over the platform's ports, its executions by id (`local:<name>`).
pub struct LocalSweeps {
    workflow: Arc<LocalWorkflow>,
    executions: Mutex<HashMap<String, Started>>,
    /// One sweep at a time: each uses every core.
    place: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for LocalSweeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalSweeps")
    }
}

impl LocalSweeps {
    /// The config's hyperopt workflow over `ports`.
    pub fn new(config: &Config, ports: &Ports) -> Result<LocalSweeps> {
        Ok(Self::on(LocalWorkflow::hyperopt(
            config,
            LocalIntegrations::from_ports(config, ports),
        )?))
    }

    /// Executions of `workflow` (a test scales its delays).
    pub fn on(workflow: LocalWorkflow) -> LocalSweeps {
        LocalSweeps {
            workflow: Arc::new(workflow),
            executions: Mutex::default(),
            place: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// The strategy task family its runner tasks name.
    pub fn task_definition(&self) -> &str {
        &self.workflow.task_definition
    }

    fn executions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Started>> {
        self.executions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget the oldest finished executions beyond [`KEPT`].
    fn forget_oldest(executions: &mut HashMap<String, Started>) {
        let mut finished: Vec<(u64, String)> = executions
            .iter()
            .filter(|(_, s)| s.outcome.get().is_some())
            .map(|(id, s)| (s.order, id.clone()))
            .collect();
        if finished.len() <= KEPT {
            return;
        }
        finished.sort();
        for (_, id) in &finished[..finished.len() - KEPT] {
            executions.remove(id);
        }
    }
}

fn unknown(execution: &str) -> DomainError {
    DomainError::not_found("execution", execution)
}

#[async_trait]
impl WorkflowStarter for LocalSweeps {
    async fn start(&self, name: &str, input: &Value) -> Result<String> {
        let id = format!("local:{name}");
        let (stop, outcome) = {
            let mut executions = self.executions();
            if let Some(existing) = executions.get(&id) {
                return if existing.input == *input {
                    Ok(id)
                } else {
                    Err(DomainError::Conflict(format!(
                        "execution '{name}' already exists with another input"
                    )))
                };
            }
            Self::forget_oldest(&mut executions);
            let started = Started {
                input: input.clone(),
                stop: Arc::default(),
                outcome: Arc::default(),
                order: executions.values().map(|s| s.order + 1).max().unwrap_or(0),
            };
            let handles = (started.stop.clone(), started.outcome.clone());
            executions.insert(id.clone(), started);
            handles
        };
        // The runner's trial tasks read the flag by the job id the workflow passes them.
        let job_id = input["job_id"].as_str().unwrap_or(name).to_owned();
        let integrations = &self.workflow.integrations;
        integrations
            .stops
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(job_id.clone(), stop.clone());
        let (workflow, place, name, input) = (
            self.workflow.clone(),
            self.place.clone(),
            name.to_owned(),
            input.clone(),
        );
        tokio::spawn(async move {
            // The semaphore is never closed; sweeps wait for it first come, first served.
            let Ok(_place) = place.acquire_owned().await else {
                return;
            };
            let execution = workflow.execute_until(&name, input, Some(&stop)).await;
            let status = match &execution.error {
                None => ExecutionStatus::Succeeded,
                Some(e) if e.error == ABORTED => ExecutionStatus::Aborted,
                Some(_) => ExecutionStatus::Failed,
            };
            tracing::info!(execution = %name, ?status, states = execution.visited.len(), error = ?execution.error, "local sweep finished");
            workflow
                .integrations
                .stops
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&job_id);
            let _ = outcome.set(status);
        });
        Ok(id)
    }

    async fn status(&self, execution_arn: &str) -> Result<ExecutionStatus> {
        let executions = self.executions();
        let started = executions
            .get(execution_arn)
            .ok_or_else(|| unknown(execution_arn))?;
        Ok(started
            .outcome
            .get()
            .copied()
            .unwrap_or(ExecutionStatus::Running))
    }

    async fn stop(&self, execution_arn: &str, cause: &str) -> Result<()> {
        let executions = self.executions();
        let started = executions
            .get(execution_arn)
            .ok_or_else(|| unknown(execution_arn))?;
        tracing::info!(execution = %execution_arn, %cause, "stopping a local sweep");
        started.stop.store(true, Ordering::SeqCst);
        Ok(())
    }
}
